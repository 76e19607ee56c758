package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.conv.GroupedConv2DLayer;
import io.github.sknet.layer.norm.BatchNormParamInitializer;
import io.github.sknet.layer.samediff.Helpers;

/**
 * SKConv against the PyTorch reference (tools/reference/skconv_reference.py): eval forward, train
 * forward, running statistics after the train step, and gradients w.r.t. the input and every
 * parameter, on both paths: the SameDiff definitions (float64 and float32) and the helpers (float32,
 * the CPU default).
 */
class SKConvParityTest {
    static final String[] CASES = {"default", "stride2", "m3", "g1", "depthwise", "true5x5", "odd13x11", "batch1",
            "caffe", "split_timm", "in_out_stride2"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String c : CASES) {
            out.add(Arguments.of(c, DataType.DOUBLE, false));
            out.add(Arguments.of(c, DataType.FLOAT, false));
            out.add(Arguments.of(c, DataType.FLOAT, true));
        }
        return out.stream();
    }

    private static double tolerance(DataType dt) {
        return dt == DataType.DOUBLE ? 1e-9 : 2e-4;
    }

    /** float32 gradients pass through train-mode BatchNorm over as few as 2 values; float64 stays at 1e-9. */
    private static double gradientTolerance(DataType dt) {
        return dt == DataType.DOUBLE ? 1e-9 : 1e-3;
    }

    @ParameterizedTest(name = "{0} {1} helpers={2}")
    @MethodSource("cases")
    void matchesPyTorch(String name, DataType dt, boolean helpers) throws Exception {
        SKConvFixture f = new SKConvFixture(name);
        Helpers.setEnabled(helpers);
        InputGradientGraph g;
        try {
            g = f.graph(dt);
        } finally {
            Helpers.setEnabled(true);
        }
        assertEquals(helpers, ((GroupedConv2DLayer) g.getLayer(SKConv.branchConv(SKConvFixture.SK, 0))).helper() != null);
        assertEquals(helpers, ((SKSelectVertexImpl) g.getVertex(SKConvFixture.SK)).helper() != null);
        INDArray x = f.get("x", dt);
        double tol = tolerance(dt);

        close(f.get("y_eval", dt), g.outputSingle(false, x), tol, name + " eval output");
        close(f.get("attention_eval", dt), SKAttention.read(g, SKConvFixture.SK, x), tol, name + " attention");
        // inference must not touch the running statistics
        close(f.get("param.convs.0.1.running_mean", dt),
                g.getLayer(SKConv.branchBn(SKConvFixture.SK, 0)).getParam(BatchNormParamInitializer.MEAN), 0,
                name + " running mean after inference");
        if (!f.hasTraining()) {
            return;
        }

        Map<String, INDArray> acts = g.feedForward(new INDArray[] {x}, true, false);
        close(f.get("y_train", dt), acts.get(SKConvFixture.SK), tol, name + " train output");
        Gradient grad = g.backpropKeepingInputGradients(f.get("upstream", dt));

        // the reference gradients and post-step running statistics, laid out as DL4J parameters by the
        // same mapping as the weights
        ComputationGraph expected = f.graph(dt);
        Map<String, INDArray> refGrads = f.withPrefix("grad.", dt);
        refGrads.putAll(f.withPrefix("after.", dt));
        SKConvStateDict.load(expected, SKConvFixture.SK, refGrads, "");
        int checked = 0;
        for (String vertex : g.getConfiguration().getVertices().keySet()) {
            if (g.getVertex(vertex).hasLayer()) {
                for (String p : g.getLayer(vertex).paramTable().keySet()) {
                    if (BatchNormParamInitializer.isRunningStat(p)) {
                        close(expected.getLayer(vertex).getParam(p), g.getLayer(vertex).getParam(p),
                                tol, name + " " + vertex + " running " + p + " after the train step");
                        continue;
                    }
                    INDArray got = grad.getGradientFor(vertex + "_" + p);
                    close(expected.getLayer(vertex).getParam(p), got, gradientTolerance(dt), name + " dL/d " + vertex + " " + p);
                    checked++;
                }
            }
        }
        close(f.get("grad.x", dt), g.getVertex(SKConvFixture.INPUT).getEpsilon(), gradientTolerance(dt), name + " dL/dx");
        assertTrue(checked >= 3 * f.config.branches() + 3, "too few gradients checked: " + checked);
    }

    static void close(INDArray expected, INDArray actual, double tol, String what) {
        assertTrue(actual != null, what + ": missing");
        assertEquals(expected.length(), actual.length(), what + ": length");
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        double err = e.sub(a).amaxNumber().doubleValue();
        double scale = Math.max(1.0, e.amaxNumber().doubleValue());
        assertTrue(err <= tol * scale, what + ": max |error| " + err + " > " + tol * scale);
    }
}
