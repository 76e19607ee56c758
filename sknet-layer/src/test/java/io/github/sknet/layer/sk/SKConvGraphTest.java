package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import io.github.sknet.layer.conv.GroupedConv2DLayer;
import io.github.sknet.layer.norm.BatchNormParamInitializer;
import io.github.sknet.layer.samediff.Helpers;

/** SKConv inside a DL4J classifier: gradient check, JSON, ModelSerializer, training, summary. */
class SKConvGraphTest {
    private static final SKConvConfig SMALL = SKConvConfig.builder(8).branches(2).groups(4).minWidth(4).build();

    private static DataSet data(int n, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(dt, n, 8, 6, 6).subi(0.5);
        INDArray y = Nd4j.zeros(dt, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void gradientsPassDl4jGradientCheckInFloat64() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            checkGradients();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private static void checkGradients() {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SMALL, 6, 6, 3, DataType.DOUBLE, new NoOp()));
        g.init();
        // float64: every piece runs its SameDiff definition, backward by autodiff
        assertNull(((GroupedConv2DLayer) g.getLayer(SKConv.branchConv("sk", 0))).helper());
        assertNull(((SKFuseVertexImpl) g.getVertex(SKConv.fusePool("sk"))).helper());
        assertNull(((SKSelectVertexImpl) g.getVertex("sk")).helper());
        DataSet d = data(4, DataType.DOUBLE, 7);
        // ReLU kinks make a handful of finite differences meaningless; everything else must agree
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[] {d.getFeatures()}).labels(new INDArray[] {d.getLabels()})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8).excludeParams(runningStats(g)));
        assertTrue(ok, "gradient check failed");
    }

    private static java.util.Set<String> runningStats(ComputationGraph g) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String k : g.paramTable().keySet()) {
            String p = k.substring(k.lastIndexOf('_') + 1);
            if (BatchNormParamInitializer.isRunningStat(p)) {
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void jsonRoundTripKeepsTheConfiguration() {
        SKConvConfig cfg = SKConvConfig.builder(16).inChannels(16).branches(3).groups(4).minWidth(4)
                .kernels(3, 5, 7).trueKernels().selectBias(false).splitInput(false).stride(2).build();
        ComputationGraphConfiguration conf = SKConvGraphs.classifier(cfg, 9, 9, 3, DataType.FLOAT, new Adam(1e-3));
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());
        // what importers and SKAttention read: recorded in the configuration, not guessed from names or shapes
        SKSelectVertex select = (SKSelectVertex) back.getVertices().get("sk");
        assertEquals(cfg.attentionWidth(), select.getAttentionWidth());
        assertEquals(3 * 2 + 5, select.getMembers().size(), select.getMembers().toString());
        assertTrue(back.getVertices().keySet().containsAll(select.getMembers()));
    }

    @ParameterizedTest(name = "helpers={0}")
    @ValueSource(booleans = {true, false})
    void savedModelRestoresOutputsAndResumesTrainingIdentically(boolean helpers, @TempDir Path dir) throws Exception {
        Helpers.setEnabled(helpers);
        try {
            saveRestoreResume(dir);
        } finally {
            Helpers.setEnabled(true);
        }
    }

    private static void saveRestoreResume(Path dir) throws Exception {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SMALL, 6, 6, 3, DataType.FLOAT, new Adam(1e-2)));
        g.init();
        DataSet d = data(6, DataType.FLOAT, 3);
        for (int i = 0; i < 3; i++) {
            g.fit(d);
        }
        File f = dir.resolve("sk.zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);

        assertEquals(g.params(), r.params());
        assertEquals(g.getUpdater().getStateViewArray(), r.getUpdater().getStateViewArray());
        assertEquals(g.outputSingle(false, d.getFeatures()), r.outputSingle(false, d.getFeatures()));
        // the running statistics came along and are used in inference
        INDArray mean = r.getLayer(SKConv.branchBn("sk", 0)).getParam(BatchNormParamInitializer.MEAN);
        assertTrue(mean.amaxNumber().doubleValue() > 0, "running mean was not updated by fit or not saved");

        g.fit(d);
        r.fit(d);
        assertEquals(g.params(), r.params(), "training did not resume identically with the saved updater state");
    }

    /** One SameDiff-path graph, run at one size then others: the same as the helpers at each size. */
    @Test
    void theSameDiffPathTakesAnyInputSize() {
        Helpers.setEnabled(false);
        ComputationGraph sd;
        try {
            sd = new ComputationGraph(SKConvGraphs.classifier(SMALL, 6, 6, 3, DataType.FLOAT, new Adam(1e-2)));
            sd.init();
        } finally {
            Helpers.setEnabled(true);
        }
        ComputationGraph fast = new ComputationGraph(SKConvGraphs.classifier(SMALL, 6, 6, 3, DataType.FLOAT, new Adam(1e-2)));
        fast.init();
        fast.setParams(sd.params());
        for (int[] hw : new int[][] {{6, 6}, {9, 7}, {4, 5}, {6, 6}}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, hw[0], hw[1]);
            double err = sd.outputSingle(false, x).sub(fast.outputSingle(false, x)).amaxNumber().doubleValue();
            assertTrue(err < 1e-5, hw[0] + "x" + hw[1] + ": paths differ by " + err);
        }
    }

    @Test
    void fitLowersTheLossAndAttentionIsReadable() {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SMALL, 6, 6, 3, DataType.FLOAT, new Adam(1e-2)));
        g.init();
        DataSet d = data(12, DataType.FLOAT, 5);
        double first = g.score(d);
        for (int i = 0; i < 30; i++) {
            g.fit(d);
        }
        assertTrue(g.score(d) < 0.7 * first, "loss did not fall: " + first + " -> " + g.score(d));
        Map<String, INDArray> att = SKAttention.readAll(g, d.getFeatures());
        INDArray a = att.get("sk");
        assertEquals(3, a.rank());
        assertEquals(12, a.size(0));
        assertEquals(2, a.size(1));
        assertEquals(8, a.size(2));
        INDArray sums = a.sum(1);
        assertTrue(sums.sub(1).amaxNumber().doubleValue() < 1e-5, "softmax over branches must sum to 1");
        assertTrue(g.summary().contains("sk/branch1/conv"), "summary lists the SKConv vertices");
    }
}
