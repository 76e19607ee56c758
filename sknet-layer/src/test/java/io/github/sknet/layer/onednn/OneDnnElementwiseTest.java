package io.github.sknet.layer.onednn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The one-pass oneDNN kernels against the same arithmetic in ND4J, float32, odd shapes. */
class OneDnnElementwiseTest {
    private static final long[] SHAPE = {3, 5, 4, 7};

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

    @Test
    void perChannelScaleShiftRelu() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = signed(SHAPE), scale = signed(5), shift = signed(5);
        INDArray y = Nd4j.create(DataType.FLOAT, SHAPE);
        assertTrue(OneDnnElementwise.scaleShift(x, scale, shift, true, y));
        INDArray expected = Nd4j.create(DataType.FLOAT, SHAPE);
        for (int c = 0; c < 5; c++) {
            INDArray xc = x.get(all(), point(c), all(), all());
            expected.get(all(), point(c), all(), all()).assign(
                    Transforms.relu(xc.mul(scale.getDouble(c)).addi(shift.getDouble(c))));
        }
        assertTrue(expected.equalsWithEps(y, 1e-5));
    }

    @Test
    void perChannelBiasReluInPlace() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = signed(SHAPE), bias = signed(5);
        INDArray expected = Transforms.relu(x.add(bias.reshape(1, 5, 1, 1).broadcast(SHAPE)));
        assertTrue(OneDnnElementwise.addPerChannel(x, bias, true, x));
        assertTrue(expected.equalsWithEps(x, 1e-6));
    }

    @Test
    void perSampleScaleAccumulates() {
        Nd4j.getRandom().setSeed(3);
        INDArray u = signed(SHAPE), a = signed(3, 5), y0 = signed(SHAPE);
        INDArray expected = Nd4j.create(DataType.FLOAT, SHAPE);
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 5; c++) {
                expected.get(point(n), point(c), all(), all()).assign(
                        u.get(point(n), point(c), all(), all()).mul(a.getDouble(n, c)));
            }
        }
        INDArray y = Nd4j.create(DataType.FLOAT, SHAPE);
        assertTrue(OneDnnElementwise.scalePerSample(u, a, false, y));
        assertTrue(expected.equalsWithEps(y, 1e-6));
        INDArray acc = y0.dup();
        assertTrue(OneDnnElementwise.scalePerSample(u, a, true, acc));
        assertTrue(expected.add(y0).equalsWithEps(acc, 1e-5));
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
