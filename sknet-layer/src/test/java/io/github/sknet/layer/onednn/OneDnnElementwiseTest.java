package io.github.sknet.layer.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The one-pass oneDNN kernels against the same arithmetic in ND4J, float32, odd shapes; the per-channel and
 * per-sample ones also on maps of one pixel, one row and one column. On one-pixel maps in a batch of more
 * than one, oneDNN 2.5's per-channel post-op addition (the scale-shift's) gave wrong values.
 */
class OneDnnElementwiseTest {
    private static final long[] SHAPE = {3, 5, 4, 7};

    static long[][] shapes() {
        return new long[][] {SHAPE, {3, 5, 1, 1}, {1, 5, 1, 1}, {2, 2048, 1, 1}, {3, 5, 1, 7}, {3, 5, 4, 1}};
    }

    @BeforeAll
    static void oneDnnLoaded() {
        assertTrue(OneDnn.isAvailable(), "oneDNN not loaded: " + OneDnn.loadError());
    }

    private static INDArray signed(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(4);
    }

    @Test
    void addWithAndWithoutRelu() {
        Nd4j.getRandom().setSeed(1);
        INDArray a = signed(SHAPE), b = signed(SHAPE);
        for (boolean relu : new boolean[] {false, true}) {
            INDArray y = Nd4j.create(DataType.FLOAT, SHAPE);
            assertTrue(OneDnnElementwise.add(a, b, relu, y));
            INDArray expected = relu ? Transforms.relu(a.add(b)) : a.add(b);
            assertTrue(expected.equalsWithEps(y, 1e-6), "relu=" + relu);
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void perChannelScaleShiftRelu(long[] shape) {
        Nd4j.getRandom().setSeed(2);
        long c = shape[1];
        INDArray x = signed(shape), scale = signed(c), shift = signed(c);
        INDArray y = Nd4j.create(DataType.FLOAT, shape);
        boolean onePixelBatch = shape[0] > 1 && shape[2] * shape[3] == 1;
        assertEquals(!onePixelBatch, OneDnnElementwise.scaleShift(x, scale, shift, true, y),
                "declines one-pixel maps in a batch, and only those: " + java.util.Arrays.toString(shape));
        if (onePixelBatch) {
            return; // BatchNormLayer runs oneDNN's batch normalisation there (BatchNormOnOnePixelMapsTest)
        }
        INDArray expected = Nd4j.create(DataType.FLOAT, shape);
        for (int k = 0; k < c; k++) {
            INDArray xc = x.get(all(), point(k), all(), all());
            expected.get(all(), point(k), all(), all()).assign(
                    Transforms.relu(xc.mul(scale.getDouble(k)).addi(shift.getDouble(k))));
        }
        assertTrue(expected.equalsWithEps(y, 1e-5), java.util.Arrays.toString(shape));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void perChannelBiasReluInPlace(long[] shape) {
        Nd4j.getRandom().setSeed(5);
        long c = shape[1];
        INDArray x = signed(shape), bias = signed(c);
        INDArray expected = Transforms.relu(x.add(bias.reshape(1, c, 1, 1).broadcast(shape)));
        assertTrue(OneDnnElementwise.addPerChannel(x, bias, true, x));
        assertTrue(expected.equalsWithEps(x, 1e-6), java.util.Arrays.toString(shape));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void perSampleScaleAccumulates(long[] shape) {
        Nd4j.getRandom().setSeed(3);
        INDArray u = signed(shape), a = signed(shape[0], shape[1]), y0 = signed(shape);
        INDArray expected = Nd4j.create(DataType.FLOAT, shape);
        for (int n = 0; n < shape[0]; n++) {
            for (int c = 0; c < shape[1]; c++) {
                expected.get(point(n), point(c), all(), all()).assign(
                        u.get(point(n), point(c), all(), all()).mul(a.getDouble(n, c)));
            }
        }
        INDArray y = Nd4j.create(DataType.FLOAT, shape);
        assertTrue(OneDnnElementwise.scalePerSample(u, a, false, y));
        assertTrue(expected.equalsWithEps(y, 1e-6), java.util.Arrays.toString(shape));
        INDArray acc = y0.dup();
        assertTrue(OneDnnElementwise.scalePerSample(u, a, true, acc));
        assertTrue(expected.add(y0).equalsWithEps(acc, 1e-5), java.util.Arrays.toString(shape) + " accumulated");
    }

    @Test
    void reluBackwardMasksByOutput() {
        Nd4j.getRandom().setSeed(4);
        INDArray y = Transforms.relu(signed(SHAPE)), dy = signed(SHAPE);
        INDArray dx = Nd4j.create(DataType.FLOAT, SHAPE);
        assertTrue(OneDnnElementwise.reluBackward(y, dy, dx));
        assertTrue(dy.mul(y.gt(0).castTo(DataType.FLOAT)).equalsWithEps(dx, 0));
    }

    @Test
    void declinesWhatItCannotTake() {
        INDArray d = Nd4j.rand(DataType.DOUBLE, SHAPE);
        assertFalse(OneDnnElementwise.add(d, d, false, d.like()), "float64");
        INDArray f = Nd4j.rand(DataType.FLOAT, SHAPE);
        INDArray strided = Nd4j.rand(DataType.FLOAT, 3, 10, 4, 7).get(all(), interval(0, 2, 10), all(), all());
        assertFalse(OneDnnElementwise.add(f, strided, false, f.like()), "a strided view");
        assertFalse(OneDnnElementwise.scaleShift(f, Nd4j.rand(DataType.FLOAT, 4), Nd4j.rand(DataType.FLOAT, 5), false,
                f.like()), "scale of the wrong length");
    }
}
