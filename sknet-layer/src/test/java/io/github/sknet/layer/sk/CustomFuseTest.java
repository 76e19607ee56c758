package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import io.github.sknet.layer.norm.BatchNormParamInitializer;

/**
 * A variant written as a definition only ({@link MeanMaxFuseVertex}: another fuse, no backward
 * written) builds, serialises, computes what it defines, passes DL4J's gradient check and trains.
 */
class CustomFuseTest {
    private static final SKConvConfig SK = SKConvConfig.builder(8).branches(2).groups(4).minWidth(4).build();

    private static DataSet data(DataType dt) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(dt, 6, 8, 6, 6).subi(0.5);
        INDArray y = Nd4j.zeros(dt, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).addi(i % 3 - 1.0); // learnable: the class shifts the image
        }
        return new DataSet(x, y);
    }

    @Test
    void runsItsOwnDefinitionWhileTheRestKeepsTheirHelpers() {
        ComputationGraphConfiguration conf = SKConvGraphs.classifier(SK, 6, 6, 3, DataType.FLOAT, new Adam(1e-2),
                new MeanMaxFuseVertex(2));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(MeanMaxFuseVertex.class, back.getVertices().get(SKConv.fusePool("sk")).getClass());
        ComputationGraph g = new ComputationGraph(back);
        g.init();
        assertNull(((SKFuseVertexImpl) g.getVertex(SKConv.fusePool("sk"))).helper(), "a changed fuse must not run the helper");
        assertNotNull(((SKSelectVertexImpl) g.getVertex("sk")).helper(), "the unchanged select keeps its helper");

        DataSet d = data(DataType.FLOAT);
        Map<String, INDArray> acts = g.feedForward(d.getFeatures(), false);
        INDArray u = acts.get(SKConv.branchBn("sk", 0)).add(acts.get(SKConv.branchBn("sk", 1)));
        INDArray expected = u.mean(2, 3).add(u.max(2, 3));
        INDArray s = acts.get(SKConv.fusePool("sk"));
        assertTrue(expected.sub(s).amaxNumber().doubleValue() < 1e-5, "fuse output is not mean + max");

        g.setInputs(d.getFeatures());
        g.setLabels(d.getLabels());
        g.computeGradientAndScore();
        double first = g.score();
        for (int i = 0; i < 40; i++) {
            g.fit(d);
        }
        g.computeGradientAndScore();
        assertTrue(g.score() < 0.5 * first, "did not train: score " + first + " -> " + g.score());
    }

    @Test
    void passesDl4jGradientCheckWithNoBackwardWritten() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SK, 6, 6, 3, DataType.DOUBLE, new NoOp(),
                    new MeanMaxFuseVertex(2)));
            g.init();
            DataSet d = data(DataType.DOUBLE);
            java.util.Set<String> runningStats = new java.util.HashSet<>();
            for (String k : g.paramTable().keySet()) {
                if (BatchNormParamInitializer.isRunningStat(k.substring(k.lastIndexOf('_') + 1))) {
                    runningStats.add(k);
                }
            }
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[] {d.getFeatures()}).labels(new INDArray[] {d.getLabels()})
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8).excludeParams(runningStats));
            assertTrue(ok, "gradient check failed");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }
}
