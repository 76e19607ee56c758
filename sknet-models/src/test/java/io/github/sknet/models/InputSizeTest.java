package io.github.sknet.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.bytedeco.opencv.opencv_core.Mat;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.norm.BatchNormParamInitializer;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.TestImages;

/**
 * The networks are fully convolutional with a global average pool: a graph built (InputType fixed) at one
 * size runs any other size, and gives exactly what a graph built for that size with the same parameters
 * gives. This is what {@code predict} and {@code evaluate} rely on for {@code --size} and for .npy inputs
 * of other H, W.
 */
class InputSizeTest {
    @TempDir
    Path dir;

    /** He-initialised convolutions; every BatchNorm with random gamma, beta, running mean and variance. */
    private static ComputationGraph randomNet(SKNetVariant v, int size, long seed) {
        ComputationGraph g = SKNet.builder(v).numClasses(10).inputShape(3, size, size).seed(seed).build().init();
        Random r = new Random(seed);
        for (Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray p = e.getValue();
                double[] vals = new double[(int) p.length()];
                for (int i = 0; i < vals.length; i++) {
                    vals[i] = switch (e.getKey()) {
                        case BatchNormParamInitializer.GAMMA, BatchNormParamInitializer.VAR -> 0.5 + r.nextDouble();
                        case BatchNormParamInitializer.BETA, BatchNormParamInitializer.MEAN -> 0.1 * r.nextGaussian();
                        default -> p.getDouble(i);
                    };
                }
                p.assign(Nd4j.create(vals, p.shape(), p.dataType()));
            }
        }
        return g;
    }

    private static INDArray logits(ComputationGraph g, INDArray x) {
        return g.feedForward(x, false).get(SKNet.LOGITS).detach();
    }

    /** One image file prepared at {@code size} the way predict and evaluate prepare it. */
    private static INDArray image(Path file, ImagePreprocessing prep) {
        Mat m = ImagePreprocessing.decode(file);
        float[] px = new float[3 * prep.size() * prep.size()];
        prep.toChw(prep.evalView(m), px, 0);
        return Nd4j.create(px, new long[] {1, 3, prep.size(), prep.size()}, DataType.FLOAT);
    }

    private static void assertFinite(INDArray a, String what) {
        for (double d : Nd4j.toFlattened(a).toDoubleVector()) {
            assertTrue(Double.isFinite(d), what + " has a non-finite logit: " + a);
        }
    }

    /**
     * A network recorded at {@code recorded} run on the same image at each of {@code sizes}: finite logits
     * that differ from those at the recorded size, and equal to the logits of the variant built for that size
     * with the same parameters, float for float.
     */
    private void check(SKNetVariant v, int recorded, int... sizes) {
        ComputationGraph g = randomNet(v, recorded, 7);
        Path photo = TestImages.photo(dir.resolve(v.id() + ".png"), 300, 2, new Random(3));
        ImagePreprocessing prep = new ImagePreprocessing(recorded, 0.875, ImagePreprocessing.IMAGENET_MEAN,
                ImagePreprocessing.IMAGENET_STD);
        INDArray atRecorded = logits(g, image(photo, prep));
        assertFinite(atRecorded, v.id() + " at " + recorded);
        for (int s : sizes) {
            INDArray x = image(photo, prep.withSize(s));
            INDArray y = logits(g, x);
            assertArrayEquals(new long[] {1, 10}, y.shape(), v.id() + " at " + s);
            assertFinite(y, v.id() + " at " + s);
            double diff = y.sub(atRecorded).amaxNumber().doubleValue();
            assertTrue(diff > 1e-3, v.id() + ": logits at " + s + " should differ from those at " + recorded + ": " + diff);

            ComputationGraph built = SKNet.builder(v).numClasses(10).inputShape(3, s, s).build().init();
            built.setParams(g.params());
            assertArrayEquals(logits(built, x).toFloatVector(), y.toFloatVector(), 0f,
                    v.id() + ": built at " + recorded + " and run at " + s + " vs built at " + s);
        }
    }

    @Test
    void timmBasicBlockNetworkAt256And75() {
        check(SKNetVariant.SKRESNET18, 224, 256, 75);
    }

    @Test
    void referenceBottleneckNetworkAtOtherSizes() {
        // sknet26 (reference SKConv: G = 32, a select projection per branch), recorded at 224, run smaller and
        // odd (the 7x7/2 stem, the max pool and the stride-2 units all round up)
        check(SKNetVariant.SKNET26, 224, 97, 64);
    }

    @Test
    void smallStemNetworkAtOtherSizes() {
        check(SKNetVariant.SKNET_CIFAR, 32, 48, 20, 8);
    }

    @Test
    void nonSquareBatchRunsAndMatchesTheNetworkBuiltForIt() {
        ComputationGraph g = randomNet(SKNetVariant.SKRESNEXT50_32X4D, 224, 11);
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 75, 97).subi(0.5);
        INDArray y = logits(g, x);
        assertArrayEquals(new long[] {2, 10}, y.shape());
        assertFinite(y, "skresnext50_32x4d at 75x97");
        ComputationGraph built = SKNet.builder(SKNetVariant.SKRESNEXT50_32X4D).numClasses(10).inputShape(3, 75, 97)
                .build().init();
        built.setParams(g.params());
        assertArrayEquals(Nd4j.toFlattened(logits(built, x)).toFloatVector(), Nd4j.toFlattened(y).toFloatVector(), 0f);
        // each sample alone gives its row of the batch: nothing in the graph mixes samples or depends on N
        for (int i = 0; i < 2; i++) {
            INDArray one = logits(g, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)).dup());
            double d = one.sub(y.getRow(i).reshape(1, 10)).amaxNumber().doubleValue();
            assertTrue(d <= 1e-4 * (1 + y.amaxNumber().doubleValue()), "sample " + i + ": " + d);
        }
    }

    @Test
    void smallestSizeIsTheTotalStride() {
        // the builder's rule, which predict and evaluate apply: 32 for the ImageNet stem (7x7/2, max pool /2,
        // three stride-2 stages), 8 for sknet_cifar (three stride-2 stages)
        assertEquals(32, smallest(SKNetVariant.SKRESNET18));
        assertEquals(32, smallest(SKNetVariant.SKNET50));
        assertEquals(8, smallest(SKNetVariant.SKNET_CIFAR));
        assertEquals(4, smallest(SKNetVariant.SKNET_SMALL));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SKNet.builder(SKNetVariant.SKRESNET18).inputShape(3, 31, 224).build().init());
        assertEquals("skresnet18: input 31x224 is too small; it needs at least 32x32", e.getMessage());
    }

    private static int smallest(SKNetVariant v) {
        for (int s = 1; ; s++) {
            try {
                SKNet.builder(v).inputShape(3, s, s).conf();
                return s;
            } catch (IllegalArgumentException e) {
                if (!e.getMessage().contains("too small")) {
                    throw e;
                }
            }
        }
    }
}
