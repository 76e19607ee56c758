package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * GroupedConv2D with a bias and a ReLU: the oneDNN helper's fused forward (bias argument + ReLU
 * post-op) against the loop-nest definition, and the layer's training gradients against the unfused
 * composition conv -> bias -> ReLU.
 */
class GroupedConvBiasReluTest {

    @ParameterizedTest(name = "N={0} C={1}->{2} {3}x{4} G={5} k={6} s={7} p={8} d={9} bias={10} relu={11}")
    @CsvSource({
            "2, 8, 8, 7, 7, 4, 3, 1, 1, 1, true, true",
            "2, 8, 8, 9, 9, 4, 3, 2, 2, 2, true, false",
            "2, 8, 8, 9, 9, 4, 3, 1, 2, 2, false, true",
            "3, 6, 10, 5, 6, 1, 1, 1, 0, 1, true, true", // 1x1 dense: oneDNN's plain NCHW path
            "1, 16, 16, 5, 5, 16, 3, 1, 1, 1, true, true",
    })
    void fusedForwardMatchesTheDefinition(int n, int cin, int cout, int h, int w, int groups, int k,
                                                       int s, int p, int d, boolean withBias, boolean relu) {
        ConvGeometry g = new ConvGeometry(n, cin, h, w, cout, groups, new int[] {k, k}, new int[] {s, s},
                new int[] {p, p}, new int[] {d, d});
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, g.inputShape()).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.DOUBLE, g.weightShape()).subi(0.5);
        INDArray bias = withBias ? Nd4j.rand(DataType.DOUBLE, cout).subi(0.5) : null;
        INDArray expected = GroupedConvHelperTest.reference(g, x, wt, Nd4j.zeros(DataType.DOUBLE, g.outputShape()))[0];
        if (withBias) {
            expected.addi(bias.reshape(1, cout, 1, 1).broadcast(expected.shape()));
        }
        if (relu) {
            expected = Transforms.relu(expected, true);
            assertTrue(expected.eq(0).castTo(DataType.INT).sumNumber().intValue() > 0, "no value was clipped");
        }

        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        INDArray y32 = Nd4j.create(DataType.FLOAT, g.outputShape());
        OneDnnGroupedConvHelper.INSTANCE.forward(g, x.castTo(DataType.FLOAT), wt.castTo(DataType.FLOAT),
                withBias ? bias.castTo(DataType.FLOAT) : null, relu, y32);
        assertClose(expected, y32, 1e-5, "onednn " + g);
        // the same geometry without bias/ReLU is a different primitive: it must not come from the cache
        OneDnnGroupedConvHelper.INSTANCE.forward(g, x.castTo(DataType.FLOAT), wt.castTo(DataType.FLOAT), null, false,
                y32);
        assertClose(GroupedConvHelperTest.reference(g, x, wt, Nd4j.zeros(DataType.DOUBLE, g.outputShape()))[0], y32,
                1e-5, "onednn plain after fused " + g);
    }

    /** input -> conv (bias, then ReLU fused or as a separate layer) -> average pool -> softmax output. */
    private static ComputationGraph graph(DataType dt, boolean fused) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(3).dataType(dt)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(7, 7, 6));
        gb.addLayer("conv", new GroupedConv2D.Builder().nOut(8).groups(2).kernelSize(3).padding(2).dilation(2)
                .hasBias(true).activation(fused ? Activation.RELU : Activation.IDENTITY).build(), "in");
        String last = "conv";
        if (!fused) {
            gb.addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "conv");
            last = "relu";
        }
        gb.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(gb.build());
        net.init();
        return net;
    }

    private static INDArray[] data(DataType dt) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 6, 7, 7).subi(0.5).castTo(dt);
        INDArray y = Nd4j.zeros(dt, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new INDArray[] {x, y};
    }

    /** Same parameters everywhere; a bias with both signs so that the ReLU clips part of the output. */
    private static void setParams(ComputationGraph net, ComputationGraph like) {
        if (like == null) {
            Nd4j.getRandom().setSeed(9);
            INDArray b = net.getLayer("conv").getParam("b");
            b.assign(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
        } else {
            for (String layer : new String[] {"conv", "out"}) {
                for (Map.Entry<String, INDArray> e : like.getLayer(layer).paramTable().entrySet()) {
                    net.getLayer(layer).getParam(e.getKey()).assign(e.getValue());
                }
            }
        }
    }

    @Test
    void layerForwardAndGradientsMatchTheUnfusedCompositionOnBothPaths() {
        ComputationGraph ref64 = graph(DataType.DOUBLE, false); // SameDiff definition, ReLU as its own layer
        setParams(ref64, null);
        ComputationGraph[] nets = {graph(DataType.DOUBLE, true), graph(DataType.FLOAT, true), graph(DataType.FLOAT, false)};
        for (ComputationGraph net : nets) {
            setParams(net, ref64);
        }
        INDArray[] d64 = data(DataType.DOUBLE);
        ref64.setInputs(d64[0]);
        ref64.setLabels(d64[1]);
        ref64.computeGradientAndScore();
        INDArray refOut = ref64.outputSingle(false, d64[0]);
        INDArray refConv = ref64.feedForward(d64[0], false).get("relu");
        assertTrue(refConv.eq(0).castTo(DataType.INT).sumNumber().intValue() > 0, "the ReLU clips nothing");
        Gradient refGrad = ref64.gradient();

        for (ComputationGraph net : nets) {
            DataType dt = net.getConfiguration().getDataType();
            boolean fused = !net.getConfiguration().getVertices().containsKey("relu");
            String what = dt + (fused ? " fused" : " unfused");
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
            INDArray[] d = data(dt);
            assertClose(refOut, net.outputSingle(false, d[0]), tol, what + " output");
            assertClose(refConv, net.feedForward(d[0], false).get(fused ? "conv" : "relu"), tol, what + " conv output");
            net.setInputs(d[0]);
            net.setLabels(d[1]);
            net.computeGradientAndScore();
            assertEquals(ref64.score(), net.score(), dt == DataType.DOUBLE ? 1e-12 : 1e-5, what + " score");
            for (String key : new String[] {"conv_W", "conv_b", "out_W", "out_b"}) {
                assertClose(refGrad.getGradientFor(key), net.gradient().getGradientFor(key),
                        dt == DataType.DOUBLE ? 1e-12 : 1e-4, what + " gradient " + key);
            }
        }
    }

    @Test
    void fusedLayerPassesDl4jGradientCheckInFloat64() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph net = graph(DataType.DOUBLE, true);
            setParams(net, null);
            INDArray[] d = data(DataType.DOUBLE);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                    .inputs(new INDArray[] {d[0]}).labels(new INDArray[] {d[1]})
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
            assertTrue(ok, "gradient check failed");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double relTol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(actual.shape());
        double err = actual.castTo(DataType.DOUBLE).sub(e).amaxNumber().doubleValue();
        double scale = Math.max(1e-3, e.amaxNumber().doubleValue());
        assertTrue(err <= relTol * scale, what + ": max error " + err + " (max |expected| " + scale + ")");
    }
}
