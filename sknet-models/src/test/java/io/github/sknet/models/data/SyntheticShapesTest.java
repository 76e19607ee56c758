package io.github.sknet.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Shapes, labels, determinism, scale control, validation and the PNG folder export. */
class SyntheticShapesTest {
    /** Between the brightest background or clutter (0.43) and the dimmest object (0.47), mean over channels. */
    private static final double OBJECT_THRESHOLD = 0.45;

    private static void rejects(Executable call, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String m : mustMention) {
            assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should mention '" + m + "'");
        }
    }

    @Test
    void imagesAreNchwFloatWithBalancedOneHotLabels() {
        SyntheticShapes shapes = new SyntheticShapes(32, 1);
        int k = shapes.numClasses();
        assertTrue(k >= 4, "at least 4 classes");
        assertEquals(k, shapes.classNames().size());
        assertEquals(k, shapes.classNames().stream().distinct().count(), "class names are distinct");

        int n = 5 * k + 3;
        DataSet d = shapes.sample(n);
        assertEquals(DataType.FLOAT, d.getFeatures().dataType());
        assertArrayEquals(new long[] {n, 3, 32, 32}, d.getFeatures().shape());
        assertArrayEquals(new long[] {n, k}, d.getLabels().shape());

        float[][] y = d.getLabels().toFloatMatrix();
        int[] perClass = new int[k];
        for (float[] row : y) {
            int ones = 0;
            for (int c = 0; c < k; c++) {
                assertTrue(row[c] == 0f || row[c] == 1f, "labels are 0 or 1");
                if (row[c] == 1f) {
                    ones++;
                    perClass[c]++;
                }
            }
            assertEquals(1, ones, "exactly one class per example");
        }
        for (int c = 0; c < k; c++) {
            assertTrue(perClass[c] == n / k || perClass[c] == n / k + 1, "class " + c + " count " + perClass[c]);
        }
        // roughly [0, 1] plus noise of std 0.05
        assertTrue(d.getFeatures().minNumber().doubleValue() > -0.4, "min " + d.getFeatures().minNumber());
        assertTrue(d.getFeatures().maxNumber().doubleValue() < 1.4, "max " + d.getFeatures().maxNumber());
    }

    @Test
    void equalSeedsGiveEqualDataAndOtherSeedsDoNot() {
        SyntheticShapes a = new SyntheticShapes(24, 7);
        SyntheticShapes b = new SyntheticShapes(24, 7);
        DataSet a1 = a.sample(20), b1 = b.sample(20);
        assertEquals(a1.getFeatures(), b1.getFeatures());
        assertEquals(a1.getLabels(), b1.getLabels());
        assertEquals(a.sampleAtScale(10, 0.3).getFeatures(), b.sampleAtScale(10, 0.3).getFeatures());

        assertNotEquals(a1.getFeatures(), new SyntheticShapes(24, 8).sample(20).getFeatures());
        assertNotEquals(a1.getFeatures(), a.sample(20).getFeatures(), "the next call draws new images");
    }

    @Test
    void sampleAtScaleDrawsObjectsOfExactlyThatExtent() {
        int size = 32;
        SyntheticShapes clean = new SyntheticShapes(size, 3, 0);
        for (double scale : new double[] {0.2, 0.5, 0.8}) {
            float[][][][] x = toArray(clean.sampleAtScale(40, scale));
            double extent = scale * size;
            for (int i = 0; i < x.length; i++) {
                int[] box = objectBox(x[i]);
                int width = box[2] - box[0] + 1, height = box[3] - box[1] + 1;
                // an extent straddling pixel borders touches a partly covered pixel at each end; anti-aliasing
                // and the triangle's thin apex may drop a pixel or two
                double measured = Math.max(width, height);
                assertTrue(measured >= extent - 2.5 && measured <= extent + 1.5,
                        "scale " + scale + ", image " + i + ": object extent " + measured + " px, expected " + extent);
                assertTrue(box[0] >= 0 && box[1] >= 0 && box[2] < size && box[3] < size, "object inside the image");
            }
        }
    }

    @Test
    void objectAreaGrowsWithScaleAndSampleSpansTheRange() {
        SyntheticShapes clean = new SyntheticShapes(32, 5, 0);
        double small = objectFraction(clean.sampleAtScale(100, SyntheticShapes.MIN_SCALE));
        double medium = objectFraction(clean.sampleAtScale(100, 0.4));
        double large = objectFraction(clean.sampleAtScale(100, SyntheticShapes.MAX_SCALE));
        assertTrue(small < medium && medium < large, small + " < " + medium + " < " + large);
        // area goes with the square of the scale: (0.8 / 0.15)^2 = 28
        assertTrue(large / small > 15, "area ratio " + large / small);

        float[][][][] mixed = toArray(clean.sample(200));
        int minSide = Integer.MAX_VALUE, maxSide = 0;
        for (float[][][] img : mixed) {
            int[] box = objectBox(img);
            int side = Math.max(box[2] - box[0], box[3] - box[1]) + 1;
            minSide = Math.min(minSide, side);
            maxSide = Math.max(maxSide, side);
        }
        assertTrue(minSide <= 8 && maxSide >= 20, "sample() sides from " + minSide + " to " + maxSide + " px");
    }

    @Test
    void iteratorBatchesAndResets() {
        DataSetIterator it = new SyntheticShapes(16, 2).iterator(50, 16);
        assertTrue(it.resetSupported());
        assertEquals(16, it.batch());
        DataSet first = it.next();
        assertArrayEquals(new long[] {16, 3, 16, 16}, first.getFeatures().shape());
        int total = 16;
        while (it.hasNext()) {
            total += it.next().numExamples();
        }
        assertEquals(50, total);
        it.reset();
        assertEquals(first.getFeatures(), it.next().getFeatures());
    }

    @Test
    void badArgumentsAreNamed() {
        rejects(() -> new SyntheticShapes(15, 1), "size", "15");
        rejects(() -> new SyntheticShapes(32, 1, -0.1), "noiseStd");
        rejects(() -> new SyntheticShapes(32, 1, Double.NaN), "noiseStd");
        SyntheticShapes shapes = new SyntheticShapes(16, 1);
        rejects(() -> shapes.sample(0), "n must be >= 1", "0");
        rejects(() -> shapes.sampleAtScale(4, 0), "scale", "(0, 1]");
        rejects(() -> shapes.sampleAtScale(4, 1.5), "scale", "1.5");
        rejects(() -> shapes.sampleAtScale(4, Double.NaN), "scale");
        rejects(() -> shapes.iterator(10, 0), "batchSize");
        rejects(() -> shapes.sample(1_000_000_000), "n = 1000000000", "smaller chunks");

        DataSet d = shapes.sample(3);
        Path nowhere = Path.of("never-written");
        rejects(() -> SyntheticShapes.writePngFolder(d, List.of("a", "b"), nowhere), "labels", "one column per class name");
        rejects(() -> SyntheticShapes.writePngFolder(d, List.of("a", "b", "c", "..", "e"), nowhere), "classNames", "..");
        rejects(() -> SyntheticShapes.writePngFolder(d, List.of("a", "b", "a/b", "d", "e"), nowhere), "a/b");
        rejects(() -> SyntheticShapes.writePngFolder(d, List.of("a", "a", "c", "d", "e"), nowhere), "distinct");
        rejects(() -> SyntheticShapes.writePngFolder(new DataSet(Nd4j.zeros(DataType.FLOAT, 3, 1, 16, 16),
                d.getLabels()), shapes.classNames(), nowhere), "features", "[3, 1, 16, 16]");
        assertFalse(Files.exists(nowhere), "nothing written on bad input");
    }

    @Test
    void writePngFolderWritesOneReadableRgbPngPerImageUnderItsClass(@TempDir Path dir) throws IOException {
        SyntheticShapes shapes = new SyntheticShapes(20, 4);
        int n = 2 * shapes.numClasses();
        DataSet d = shapes.sample(n);
        SyntheticShapes.writePngFolder(d, shapes.classNames(), dir);

        try (Stream<Path> sub = Files.list(dir)) {
            assertEquals(shapes.classNames().stream().sorted().toList(),
                    sub.map(p -> p.getFileName().toString()).sorted().toList());
        }
        float[][][][] x = toArray(d);
        int[] cls = d.getLabels().argMax(1).toIntVector();
        for (int i = 0; i < n; i++) {
            Path file = dir.resolve(shapes.classNames().get(cls[i])).resolve(i + ".png");
            BufferedImage img = ImageIO.read(file.toFile());
            assertNotNull(img, file + " is a readable image");
            assertEquals(20, img.getWidth());
            assertEquals(20, img.getHeight());
            int rgb = img.getRGB(7, 11);
            for (int c = 0; c < 3; c++) {
                int expected = Math.round(Math.min(1f, Math.max(0f, x[i][c][11][7])) * 255f);
                assertEquals(expected, (rgb >> (16 - 8 * c)) & 0xff, "image " + i + " channel " + c);
            }
        }
    }

    /** A few seconds of training: the classes are learnable from pixels (about 0.77 here, chance 0.2). */
    @Test
    void aTinyConvNetLearnsItWellAboveChance() {
        int size = 16;
        SyntheticShapes shapes = new SyntheticShapes(size, 11);
        int k = shapes.numClasses();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.FLOAT).updater(new Adam(5e-3)).weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(k)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(size, size, 3)).build());
        net.init();
        net.fit(shapes.iterator(1000, 50), 3);
        // the generator has moved on: these are unseen images
        double accuracy = net.evaluate(shapes.iterator(500, 100)).accuracy();
        assertTrue(accuracy > 0.5, "held-out accuracy " + accuracy + " (chance " + 1.0 / k + ")");
    }

    private static float[][][][] toArray(DataSet d) {
        long[] s = d.getFeatures().shape();
        float[] flat = d.getFeatures().dup('c').data().asFloat();
        float[][][][] x = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        int p = 0;
        for (float[][][] img : x) {
            for (float[][] ch : img) {
                for (float[] row : ch) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = flat[p++];
                    }
                }
            }
        }
        return x;
    }

    private static boolean isObject(float[][][] img, int py, int px) {
        return (img[0][py][px] + img[1][py][px] + img[2][py][px]) / 3 > OBJECT_THRESHOLD;
    }

    /** {xMin, yMin, xMax, yMax} of the object pixels of a noise-free image. */
    private static int[] objectBox(float[][][] img) {
        int h = img[0].length, w = img[0][0].length;
        int[] box = {w, h, -1, -1};
        for (int py = 0; py < h; py++) {
            for (int px = 0; px < w; px++) {
                if (isObject(img, py, px)) {
                    box[0] = Math.min(box[0], px);
                    box[1] = Math.min(box[1], py);
                    box[2] = Math.max(box[2], px);
                    box[3] = Math.max(box[3], py);
                }
            }
        }
        assertTrue(box[2] >= 0, "the image shows an object");
        return box;
    }

    private static double objectFraction(DataSet d) {
        float[][][][] x = toArray(d);
        long on = 0, all = 0;
        for (float[][][] img : x) {
            for (int py = 0; py < img[0].length; py++) {
                for (int px = 0; px < img[0][0].length; px++) {
                    on += isObject(img, py, px) ? 1 : 0;
                    all++;
                }
            }
        }
        return on / (double) all;
    }
}
