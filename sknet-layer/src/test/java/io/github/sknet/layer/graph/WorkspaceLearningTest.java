package io.github.sknet.layer.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import io.github.sknet.layer.sk.SKConvGraphs;
import io.github.sknet.layer.sk.SKConvConfig;

/** WorkspaceLearning: a graph's workspaces sized after one pass, and the graph computing exactly as before. */
class WorkspaceLearningTest {

    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SKConvConfig.builder(8).branches(2).groups(4).minWidth(4).build(), 10, 10, 3, DataType.FLOAT, new Adam(1e-2)));
        g.init();
        return g;
    }

    /** Workspaces are per thread and per name, shared by every graph: each test starts without any. */
    @BeforeEach
    void noWorkspaces() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
    }

    private static List<Nd4jWorkspace> activationWorkspaces() {
        return layerWorkspaces("WS_LAYER_ACT_");
    }

    /** The graph's per-vertex workspaces: activations and working memory. */
    private static List<Nd4jWorkspace> layerWorkspaces(String prefix) {
        return Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread().stream()
                .filter(w -> w.getId().startsWith(prefix)).map(w -> (Nd4jWorkspace) w)
                .collect(Collectors.toList());
    }

    /**
     * Every workspace that has held arrays is at least as large as its largest cycle. A workspace whose
     * first cycle allocated nothing (the input vertex's; working memory before the first vertex that needs
     * it) was once left at size 0 for good, and every array meant for it was a fresh allocation.
     */
    private static void assertAllSized(String when) {
        List<Nd4jWorkspace> all = layerWorkspaces("WS_LAYER_");
        assertTrue(all.stream().anyMatch(w -> w.getId().startsWith("WS_LAYER_WORKING_MEM")), "no working memory");
        for (Nd4jWorkspace w : all) {
            if (w.getMaxCycleAllocations() > 0) {
                assertTrue(w.getCurrentSize() >= w.getMaxCycleAllocations(), w.getId() + " " + when + ": size "
                        + w.getCurrentSize() + " below its largest cycle " + w.getMaxCycleAllocations());
            }
        }
    }

    @Test
    void activationWorkspacesAreSizedAfterTheFirstPass() throws Exception {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 8, 10, 10);
        ComputationGraph plain = graph();
        assertFalse(WorkspaceLearning.settlesAfterOnePass(plain));
        plain.output(x);
        // DL4J's own learning: after one pass no activation workspace is allocated yet (every array was fresh)
        assertFalse(activationWorkspaces().isEmpty());
        assertTrue(activationWorkspaces().stream().allMatch(w -> w.getCurrentSize() == 0),
                "DL4J's default already sized them; the test no longer shows the problem");

        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ComputationGraph settled = WorkspaceLearning.settleAfterOnePass(graph());
        assertTrue(WorkspaceLearning.settlesAfterOnePass(settled));
        settled.output(x);
        assertTrue(activationWorkspaces().stream().anyMatch(w -> w.getCurrentSize() > 0), "sized after one pass");
        assertAllSized("after one pass");
        // the second pass allocates nothing outside them
        settled.output(x);
        for (MemoryWorkspace w : activationWorkspaces()) {
            assertEquals(0, ((Nd4jWorkspace) w).getSpilledSize(), w.getId() + " spilled in the second pass");
        }
        // a larger batch later grows them (DL4J's reallocation on spill), and then spills no more
        INDArray big = Nd4j.rand(DataType.FLOAT, 16, 8, 10, 10);
        settled.output(big);
        settled.output(big);
        for (MemoryWorkspace w : activationWorkspaces()) {
            assertEquals(0, ((Nd4jWorkspace) w).getSpilledSize(), w.getId() + " spilled after growing");
        }
        assertAllSized("after growing");
    }

    @Test
    void computesExactlyAsDl4jsOwnLearning() {
        ComputationGraph plain = graph();
        ComputationGraph settled = WorkspaceLearning.settleAfterOnePass(graph());
        assertEquals(plain.params(), settled.params());
        // training needs 2+ images per batch (the attention's BatchNorm)
        for (int batch : new int[] {2, 5, 3, 5}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 8, 10, 10);
            assertEquals(plain.outputSingle(x), settled.outputSingle(x), "batch " + batch);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 3);
            for (int i = 0; i < batch; i++) {
                y.putScalar(i, i % 3, 1);
            }
            plain.fit(new DataSet(x, y));
            settled.fit(new DataSet(x, y));
            assertTrue(plain.params().equalsWithEps(settled.params(), 1e-6), "parameters after a step, batch " + batch);
        }
    }
}
