package io.github.sknet.layer.graph;

import java.lang.reflect.Field;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fast a {@link ComputationGraph}'s workspaces settle. DL4J (1.0.0-M2.1) sizes a graph's per-vertex
 * working-memory and activation workspaces after watching them for as many open/close cycles as the
 * graph has vertices (twice that for working memory); until then every array is a fresh allocation.
 * Each activation workspace is one of a small pool shared by all vertices, so for SKNet-50 (~300
 * vertices) that took ~15 inference passes (3-5 s each at first against ~0.4 s settled, at batch 8).
 * <p>
 * {@link #settleAfterOnePass} gives the graph the same workspace configuration with DL4J's
 * {@code LearningPolicy.FIRST_LOOP}: each workspace is sized after its first cycle that allocated
 * anything and, as before, grows (DL4J's {@code SpillPolicy.REALLOCATE}) when a later cycle needs more.
 * Sizes end where DL4J's own learning ends (the largest cycle), only sooner: SKNet-50's training steps
 * and inference passes settle after the first. ({@code OVER_TIME} with one cycle is not the same: a
 * workspace whose first cycle allocated nothing, as the input vertex's and the first working memory
 * do, was never sized, and every array meant for it stayed a fresh allocation.) The fields are DL4J's
 * own and final, so they are set by reflection; where that is not possible (another DL4J version) the
 * graph keeps DL4J's configuration, with one warning.
 */
public final class WorkspaceLearning {
    private static final Logger LOG = LoggerFactory.getLogger(WorkspaceLearning.class);
    private static final Field WORKING_MEMORY = field("WS_LAYER_WORKING_MEM_CONFIG");
    private static final Field ACTIVATIONS = field("WS_LAYER_ACT_X_CONFIG");
    /** {@code -Dsknet.workspaces=dl4j}: leave every graph DL4J's own learning (for comparisons). */
    private static final boolean DL4J_LEARNING = "dl4j".equals(System.getProperty("sknet.workspaces"));

    private WorkspaceLearning() {
    }

    /** {@code g}, its workspaces now sized after their first cycle; call before its first pass (training or inference). */
    public static <G extends ComputationGraph> G settleAfterOnePass(G g) {
        if (WORKING_MEMORY == null || ACTIVATIONS == null || DL4J_LEARNING) {
            return g;
        }
        try {
            WORKING_MEMORY.set(g, oneCycle((WorkspaceConfiguration) WORKING_MEMORY.get(g)));
            ACTIVATIONS.set(g, oneCycle((WorkspaceConfiguration) ACTIVATIONS.get(g)));
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.warn("workspaces keep DL4J's learning over many passes: {}", e.toString());
        }
        return g;
    }

    /** Whether {@code g}'s workspaces are sized after their first cycle (for tests). */
    public static boolean settlesAfterOnePass(ComputationGraph g) throws IllegalAccessException {
        return ((WorkspaceConfiguration) WORKING_MEMORY.get(g)).getPolicyLearning() == LearningPolicy.FIRST_LOOP
                && ((WorkspaceConfiguration) ACTIVATIONS.get(g)).getPolicyLearning() == LearningPolicy.FIRST_LOOP;
    }

    private static WorkspaceConfiguration oneCycle(WorkspaceConfiguration c) {
        if (c == null) {
            throw new IllegalStateException("no workspace configuration to change");
        }
        return WorkspaceConfiguration.builder()
                .initialSize(c.getInitialSize())
                .overallocationLimit(c.getOverallocationLimit())
                .policyLearning(LearningPolicy.FIRST_LOOP)
                .policyReset(c.getPolicyReset() == null ? ResetPolicy.BLOCK_LEFT : c.getPolicyReset())
                .policySpill(SpillPolicy.REALLOCATE)
                .policyAllocation(c.getPolicyAllocation() == null ? AllocationPolicy.OVERALLOCATE : c.getPolicyAllocation())
                .build();
    }

    private static Field field(String name) {
        try {
            Field f = ComputationGraph.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("workspaces keep DL4J's learning over many passes: ComputationGraph.{} not reachable ({})", name,
                    e.toString());
            return null;
        }
    }
}
