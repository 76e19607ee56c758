package io.github.sknet.layer.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link MaxPool2D}'s helper against a loop nest with PyTorch's rules (padding is never a maximum; a
 * window's gradient goes to its first maximum in row-major order) and against DL4J's own pooling,
 * forward and input gradient, on the awkward cases: odd sizes, batch 1, overlapping and
 * non-overlapping windows, negative inputs next to the padding, ties, views.
 */
class MaxPool2DTest {
    /** {kH, kW, sH, sW, pH, pW} */
    private static final int[][] GEOMETRIES = {{3, 3, 2, 2, 1, 1}, {2, 2, 2, 2, 0, 0}, {3, 3, 1, 1, 1, 1},
        {3, 2, 2, 1, 1, 0}, {3, 3, 2, 2, 0, 0}};
    /** {N, C, H, W} */
    private static final long[][] SHAPES = {{2, 3, 9, 8}, {1, 4, 12, 12}, {3, 2, 7, 11}, {1, 1, 5, 5}};

    private static MaxPool2D conf(int[] k) {
        return new MaxPool2D.Builder().kernelSize(k[0], k[1]).stride(k[2], k[3]).padding(k[4], k[5]).build();
    }

    private static Layer instantiate(SubsamplingLayer c, DataType type) {
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).layer(c).build();
        return conf.getLayer().instantiate(conf, null, 0, null, true, type);
    }

    private static INDArray forward(Layer l, INDArray x) {
        l.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        return l.activate(true, LayerWorkspaceMgr.noWorkspaces());
    }

    private static INDArray inputGradient(Layer l, INDArray x, INDArray dy) {
        forward(l, x);
        return l.backpropGradient(dy, LayerWorkspaceMgr.noWorkspaces()).getSecond();
    }

    /** The reference: each window's maximum over its positions inside the input, its gradient to the first one. */
    private static INDArray[] loopNest(INDArray x, INDArray dy, int[] k) {
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        long oh = (h + 2L * k[4] - k[0]) / k[2] + 1, ow = (w + 2L * k[5] - k[1]) / k[3] + 1;
        INDArray y = Nd4j.create(DataType.DOUBLE, n, c, oh, ow), dx = Nd4j.zeros(DataType.DOUBLE, n, c, h, w);
        for (long b = 0; b < n; b++) {
            for (long ch = 0; ch < c; ch++) {
                for (long i = 0; i < oh; i++) {
                    for (long j = 0; j < ow; j++) {
                        double best = Double.NEGATIVE_INFINITY;
                        long bi = -1, bj = -1;
                        for (long u = i * k[2] - k[4]; u < i * k[2] - k[4] + k[0]; u++) {
                            for (long v = j * k[3] - k[5]; v < j * k[3] - k[5] + k[1]; v++) {
                                if (u >= 0 && u < h && v >= 0 && v < w && x.getDouble(b, ch, u, v) > best) {
                                    best = x.getDouble(b, ch, u, v);
                                    bi = u;
                                    bj = v;
                                }
                            }
                        }
                        y.putScalar(new long[] {b, ch, i, j}, best);
                        long[] at = {b, ch, bi, bj};
                        dx.putScalar(at, dx.getDouble(at) + dy.getDouble(b, ch, i, j));
                    }
                }
            }
        }
        return new INDArray[] {y, dx};
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertTrue(java.util.Arrays.equals(expected.shape(), actual.shape()), what + ": shape");
        double err = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertEquals(0, err, 1e-6, what);
    }

    @Test
    void helperIsChosenForFloat32AndDL4JRunsFloat64() {
        MaxPool2D c = conf(GEOMETRIES[0]);
        Layer f = instantiate(c, DataType.FLOAT), d = instantiate(c, DataType.DOUBLE);
        assertInstanceOf(MaxPool2DLayer.class, f);
        assertNotNull(((MaxPool2DLayer) f).poolingHelper(), "float32 on the CPU: the oneDNN helper");
        assertNull(((MaxPool2DLayer) d).poolingHelper(), "float64: DL4J's pooling");
        MaxPool2D same = new MaxPool2D.Builder().kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).build();
        assertNull(((MaxPool2DLayer) instantiate(same, DataType.FLOAT)).poolingHelper(), "Same mode: DL4J's pooling");
        MaxPool2D dilated = new MaxPool2D.Builder().kernelSize(3, 3).dilation(2, 2).build();
        assertEquals("[2, 2]", java.util.Arrays.toString(dilated.getDilation()), "the builder's dilation is kept");
        assertNull(((MaxPool2DLayer) instantiate(dilated, DataType.FLOAT)).poolingHelper(), "dilated: DL4J's pooling");
    }

    @Test
    void helperMatchesLoopNestAndDl4jOnRandomInputs() {
        int helperRuns = 0, cases = 0;
        for (int[] k : GEOMETRIES) {
            for (long[] s : SHAPES) {
                if ((s[2] + 2L * k[4] - k[0]) < 0 || (s[3] + 2L * k[5] - k[1]) < 0) {
                    continue;
                }
                String what = java.util.Arrays.toString(k) + " on " + java.util.Arrays.toString(s);
                Nd4j.getRandom().setSeed(s[2] * 31 + k[0]);
                INDArray x = Nd4j.randn(DataType.FLOAT, s); // negatives next to the padding: padding must not win
                Layer ours = instantiate(conf(k), DataType.FLOAT);
                // the helper runs every geometry but those whose last rows or columns are in no window (2x2
                // stride 2 on an odd size), which oneDNN's descriptors refuse: DL4J's pooling runs those
                PoolGeometry g = new PoolGeometry(s[0], s[1], s[2], s[3], k[0], k[1], k[2], k[3], k[4], k[5]);
                assertEquals(g.padBottom() >= 0 && g.padRight() >= 0,
                        ((MaxPool2DLayer) ours).poolingHelper().supports(g), what + ": whether the helper runs it");
                helperRuns += ((MaxPool2DLayer) ours).poolingHelper().supports(g) ? 1 : 0;
                cases++;
                Layer dl4j = instantiate(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(k[0], k[1]).stride(k[2], k[3]).padding(k[4], k[5]).build(), DataType.FLOAT);
                INDArray y = forward(ours, x);
                INDArray dy = Nd4j.randn(DataType.FLOAT, y.shape());
                INDArray[] ref = loopNest(x, dy, k);
                assertClose(ref[0], y, what + " forward, loop nest");
                assertClose(ref[0], forward(dl4j, x), what + " forward, DL4J");
                assertClose(ref[1], inputGradient(ours, x, dy), what + " input gradient, loop nest");
                assertClose(ref[1], inputGradient(dl4j, x, dy), what + " input gradient, DL4J");
            }
        }
        assertTrue(helperRuns >= cases * 3 / 4, helperRuns + " of " + cases + " cases ran the helper");
    }

    /** After a ReLU whole windows are 0: the gradient goes to each window's first position, as PyTorch's does. */
    @Test
    void tiesSendTheGradientToTheFirstMaximum() {
        int[] k = GEOMETRIES[0];
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 10, 9);
        x = x.mul(x.gt(1.0).castTo(DataType.FLOAT)); // mostly zeros, a few positive values
        x.putScalar(new long[] {0, 0, 4, 4}, 2.0f); // a tie between two positive values
        x.putScalar(new long[] {0, 0, 4, 5}, 2.0f);
        Layer ours = instantiate(conf(k), DataType.FLOAT);
        INDArray y = forward(ours, x);
        INDArray dy = Nd4j.rand(DataType.FLOAT, y.shape()).addi(0.5);
        INDArray[] ref = loopNest(x, dy, k);
        assertClose(ref[0], y, "forward");
        assertClose(ref[1], inputGradient(ours, x, dy), "input gradient with ties");
    }

    @Test
    void viewInputsAndGradientsGiveTheSameResult() {
        int[] k = GEOMETRIES[0];
        Nd4j.getRandom().setSeed(5);
        INDArray wide = Nd4j.randn(DataType.FLOAT, 2, 6, 9, 8);
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray dense = view.dup('c');
        Layer ours = instantiate(conf(k), DataType.FLOAT);
        INDArray y = forward(ours, dense).dup();
        INDArray dyWide = Nd4j.randn(DataType.FLOAT, 2, 3, y.size(2), 2 * y.size(3));
        INDArray dyView = dyWide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, y.size(3)));
        assertClose(y, forward(ours, view), "forward of a view");
        INDArray dx = inputGradient(ours, dense, dyView.dup('c')).dup();
        assertClose(dx, inputGradient(ours, view, dyView), "input gradient of views");
    }

    @Test
    void builderRefusesOtherPoolingsAndJsonKeepsTheClass() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2D.Builder()
                .poolingType(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).build());
        assertTrue(e.getMessage().contains("MaxPool2D: poolingType must be MAX"), e.getMessage());

        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("x")
                .setInputTypes(InputType.convolutional(9, 8, 3))
                .addLayer("pool", conf(GEOMETRIES[0]), "x").setOutputs("pool").build();
        assertEquals(InputType.convolutional(5, 4, 3), conf.getLayerActivationTypes(InputType.convolutional(9, 8, 3))
                .get("pool"), "InputType inference: DL4J's output size");
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ComputationGraph g = new ComputationGraph(back);
        g.init();
        assertInstanceOf(MaxPool2DLayer.class, g.getLayer("pool"));
        SubsamplingLayer c = (SubsamplingLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("pool")).getLayerConf().getLayer();
        assertInstanceOf(MaxPool2D.class, c);
        assertEquals("[3, 3] [2, 2] [1, 1]", java.util.Arrays.toString(c.getKernelSize()) + " "
                + java.util.Arrays.toString(c.getStride()) + " " + java.util.Arrays.toString(c.getPadding()));
    }
}
