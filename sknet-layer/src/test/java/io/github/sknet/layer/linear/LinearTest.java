package io.github.sknet.layer.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.samediff.Helpers;

/** {@link Linear} computes what DL4J's DenseLayer computes, forward and backward, and keeps its configuration. */
class LinearTest {
    private static final int N_IN = 37, N_OUT = 23;

    /** One dense layer "d" (Linear or DL4J's) and a loss, float32 or float64, the same seeded parameters. */
    private static ComputationGraph graph(boolean linear, boolean bias, DataType type) {
        DenseLayer.Builder b = linear ? new Linear.Builder() : new DenseLayer.Builder();
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(type).seed(7)
                .updater(new Sgd(0.1)).graphBuilder()
                .addInputs("x").setInputTypes(InputType.feedForward(N_IN))
                .addLayer("d", b.nOut(N_OUT).hasBias(bias).activation(Activation.TANH).build(), "x")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "d")
                .setOutputs("loss").build());
        g.init();
        Nd4j.getRandom().setSeed(11);
        g.setParams(Nd4j.rand(type, 1, g.numParams()).subi(0.5));
        return g;
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol) {
        assertEquals(0, expected.sub(actual).amaxNumber().doubleValue(), tol * expected.amaxNumber().doubleValue(),
                "max |expected - actual| relative to max |expected|");
    }

    @Test
    void forwardMatchesDenseLayerAtBatchOneAndMore() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double tol = type == DataType.FLOAT ? 1e-6 : 1e-13;
            for (boolean bias : new boolean[] {true, false}) {
                ComputationGraph ours = graph(true, bias, type), dl4j = graph(false, bias, type);
                assertInstanceOf(LinearLayer.class, ours.getLayer("d"));
                for (int n : new int[] {1, 5}) {
                    INDArray x = Nd4j.rand(type, n, N_IN).subi(0.5);
                    assertClose(dl4j.outputSingle(x), ours.outputSingle(x), tol);
                }
            }
        }
    }

    @Test
    void forwardOfAViewInputMatchesDenseLayer() {
        ComputationGraph ours = graph(true, true, DataType.FLOAT), dl4j = graph(false, true, DataType.FLOAT);
        INDArray wide = Nd4j.rand(DataType.FLOAT, 3, 2 * N_IN);
        for (INDArray x : new INDArray[] {wide.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 5 + N_IN)), wide.getColumns(
                java.util.stream.IntStream.range(0, N_IN).map(i -> 2 * i).toArray()), Nd4j.rand(DataType.FLOAT, 'f', 4, N_IN)}) {
            assertClose(dl4j.outputSingle(x), ours.outputSingle(x), 1e-6);
        }
    }

    @Test
    void gradientsAndOneStepMatchDenseLayer() {
        for (int n : new int[] {1, 6}) {
            ComputationGraph ours = graph(true, true, DataType.DOUBLE), dl4j = graph(false, true, DataType.DOUBLE);
            INDArray x = Nd4j.rand(DataType.DOUBLE, n, N_IN), y = Nd4j.rand(DataType.DOUBLE, n, N_OUT);
            ours.setInputs(x);
            ours.setLabels(y);
            dl4j.setInputs(x);
            dl4j.setLabels(y);
            ours.computeGradientAndScore();
            dl4j.computeGradientAndScore();
            Map<String, INDArray> g1 = ours.gradient().gradientForVariable(), g2 = dl4j.gradient().gradientForVariable();
            assertEquals(g2.keySet(), g1.keySet());
            for (String k : g2.keySet()) {
                assertClose(g2.get(k), g1.get(k), 1e-12);
            }
            ours.fit(new INDArray[] {x}, new INDArray[] {y});
            dl4j.fit(new INDArray[] {x}, new INDArray[] {y});
            assertClose(dl4j.params(), ours.params(), 1e-12);
        }
    }

    @Test
    void withoutHelpersItIsStillDenseLayersArithmetic() {
        Helpers.setEnabled(false);
        ComputationGraph ours;
        try {
            ours = graph(true, true, DataType.FLOAT);
        } finally {
            Helpers.setEnabled(true);
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, N_IN);
        assertClose(graph(false, true, DataType.FLOAT).outputSingle(x), ours.outputSingle(x), 1e-6);
    }

    @Test
    void builderOptionsAndJsonRoundTripKeepEverything() {
        DenseLayer dense = new DenseLayer.Builder().nIn(4).nOut(3).hasBias(false).dropOut(0.7).l2(1e-4)
                .activation(Activation.RELU).name("fc").build();
        DenseLayer linear = new Linear.Builder().nIn(4).nOut(3).hasBias(false).dropOut(0.7).l2(1e-4)
                .activation(Activation.RELU).name("fc").build();
        assertInstanceOf(Linear.class, linear);
        assertEquals(dense.toString(), linear.toString()); // every DenseLayer field but Layer's own two:
        assertEquals(dense.getIDropout(), linear.getIDropout());
        assertEquals("fc", linear.getLayerName());
        assertFalse(linear.hasBias());

        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("x")
                .addLayer("fc", linear, "x").setOutputs("fc").build();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        org.deeplearning4j.nn.conf.layers.Layer l = ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("fc")).getLayerConf().getLayer();
        assertInstanceOf(Linear.class, l);
        assertEquals(linear, l);
        assertTrue(conf.toJson().contains(Linear.class.getName()));
    }
}
