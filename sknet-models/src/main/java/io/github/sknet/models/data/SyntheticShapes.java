package io.github.sknet.models.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A built-in, download-free image classification set in which the receptive field matters: the
 * {@link Shape shapes} (square, ring, cross, triangle, bars) are drawn at widely varying scales and
 * random positions (always fully inside the image), in a random colour over a dark background with a
 * gradient and thin clutter strokes, plus additive Gaussian noise. Images are float32 NCHW
 * {@code [N, 3, size, size]} with values in about [0, 1] before the noise; labels are one-hot
 * {@code [N, K]}.
 *
 * <p>All randomness comes from one generator seeded at construction and consumed in call order, so
 * equal seeds and equal call sequences give equal data. Not thread-safe for the same reason.
 */
public final class SyntheticShapes {
    /** Object extent range of {@link #sample}, as a fraction of the image side. */
    public static final double MIN_SCALE = 0.15;
    public static final double MAX_SCALE = 0.8;
    /** Standard deviation of the additive noise of the two-argument constructor. */
    public static final double DEFAULT_NOISE_STD = 0.05;

    private static final Shape[] SHAPES = Shape.values();
    private static final List<String> CLASS_NAMES = Arrays.stream(SHAPES).map(Shape::label).toList();
    private static final int CHANNELS = 3;
    /** Sub-pixel offsets of the 2x2 supersampling that anti-aliases the object's edges. */
    private static final double[] SUB = {0.25, 0.75};

    private final int size;
    private final double noiseStd;
    private final SplittableRandom random;

    public SyntheticShapes(int size, long seed) {
        this(size, seed, DEFAULT_NOISE_STD);
    }

    /** @param noiseStd standard deviation of the additive Gaussian noise; 0 for clean images */
    public SyntheticShapes(int size, long seed, double noiseStd) {
        // below 16 pixels the smallest objects shrink to 2 pixels and the classes stop being shapes
        if (size < 16) {
            throw new IllegalArgumentException("size must be >= 16, got " + size);
        }
        if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
            throw new IllegalArgumentException("noiseStd must be finite and >= 0, got " + noiseStd);
        }
        this.size = size;
        this.noiseStd = noiseStd;
        // SplittableRandom: its nextGaussian is several times faster than java.util.Random's
        this.random = new SplittableRandom(seed);
    }

    public int size() {
        return size;
    }

    public int numClasses() {
        return SHAPES.length;
    }

    /** Class names in label order; also the folder names of {@link #writePngFolder}. */
    public List<String> classNames() {
        return CLASS_NAMES;
    }

    /**
     * n images with balanced classes, each object at a scale drawn log-uniformly from
     * [{@value #MIN_SCALE}, {@value #MAX_SCALE}] (log-uniform: every octave of size is equally common).
     */
    public DataSet sample(int n) {
        return generate(n, Double.NaN);
    }

    /** Like {@link #sample} but every object's extent is exactly {@code scale} times the image side. */
    public DataSet sampleAtScale(int n, double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("scale must be in (0, 1], got " + scale);
        }
        return generate(n, scale);
    }

    /** A resettable iterator over {@code sample(n)} in mini-batches of {@code batchSize}. */
    public DataSetIterator iterator(int n, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        return new ListDataSetIterator<>(sample(n).asList(), batchSize);
    }

    /**
     * Writes every image of {@code d} as an 8-bit RGB PNG {@code dir/<className>/<index>.png}, the class
     * being the label's arg-max and the index the example's position in {@code d}; values are clamped to
     * [0, 1]. One sub-folder is created per class, even if no example falls in it.
     *
     * @throws UncheckedIOException if a folder or file cannot be written
     */
    public static void writePngFolder(DataSet d, List<String> classNames, Path dir) {
        Objects.requireNonNull(d, "d");
        Objects.requireNonNull(classNames, "classNames");
        Objects.requireNonNull(dir, "dir");
        INDArray features = d.getFeatures();
        INDArray labels = d.getLabels();
        if (features == null || features.rank() != 4 || features.size(1) != CHANNELS) {
            throw new IllegalArgumentException("d: features must be [N, 3, H, W], got "
                    + (features == null ? "none" : Arrays.toString(features.shape())));
        }
        if (labels == null || labels.rank() != 2 || labels.size(0) != features.size(0)
                || labels.size(1) != classNames.size()) {
            throw new IllegalArgumentException("d: labels must be [" + features.size(0) + ", " + classNames.size()
                    + "] (one column per class name), got " + (labels == null ? "none" : Arrays.toString(labels.shape())));
        }
        for (String name : classNames) {
            // the names become folder names: nothing that could escape dir or collide
            if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".")
                    || name.equals("..")) {
                throw new IllegalArgumentException("classNames: '" + name + "' is not usable as a folder name");
            }
        }
        if (classNames.stream().distinct().count() != classNames.size()) {
            throw new IllegalArgumentException("classNames must be distinct, got " + classNames);
        }
        int n = (int) features.size(0), h = (int) features.size(2), w = (int) features.size(3);
        float[] x = Nd4j.toFlattened('c', features.castTo(DataType.FLOAT)).toFloatVector();
        int[] cls = labels.argMax(1).toIntVector();
        try {
            for (String name : classNames) {
                Files.createDirectories(dir.resolve(name));
            }
            int plane = h * w;
            int[] rgb = new int[plane];
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int i = 0; i < n; i++) {
                int base = i * CHANNELS * plane;
                for (int p = 0; p < plane; p++) {
                    rgb[p] = byteOf(x[base + p]) << 16 | byteOf(x[base + plane + p]) << 8 | byteOf(x[base + 2 * plane + p]);
                }
                img.setRGB(0, 0, w, h, rgb, 0, w);
                Path file = dir.resolve(classNames.get(cls[i])).resolve(i + ".png");
                if (!ImageIO.write(img, "png", file.toFile())) {
                    throw new IOException("no PNG writer available for " + file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing PNG images to " + dir + " failed", e);
        }
    }

    private static int byteOf(float v) {
        return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
    }

    /** n images; {@code fixedScale} NaN draws a scale per image. */
    private DataSet generate(int n, double fixedScale) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        int k = SHAPES.length;
        long values = (long) n * CHANNELS * size * size;
        if (values > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("n = " + n + " images of " + size + "x" + size
                    + " exceed one Java array; sample in smaller chunks");
        }
        // balanced: class i % K, then a Fisher-Yates shuffle so batches mix classes
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            classes[i] = i % k;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = classes[i];
            classes[i] = classes[j];
            classes[j] = t;
        }
        float[] x = new float[(int) values];
        float[] y = new float[n * k];
        double logMin = Math.log(MIN_SCALE), logMax = Math.log(MAX_SCALE);
        for (int i = 0; i < n; i++) {
            double scale = Double.isNaN(fixedScale) ? Math.exp(random.nextDouble(logMin, logMax)) : fixedScale;
            draw(x, i * CHANNELS * size * size, SHAPES[classes[i]], scale);
            y[i * k + classes[i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {n, CHANNELS, size, size}, 'c'),
                Nd4j.create(y, new long[] {n, k}, 'c'));
    }

    /** One image into x[base ..]: background, clutter, object, noise. */
    private void draw(float[] x, int base, Shape shape, double scale) {
        int plane = size * size;
        // background: a dark colour plus a grey gradient, so no global threshold isolates the object
        double gx = random.nextDouble(-0.1, 0.1), gy = random.nextDouble(-0.1, 0.1);
        for (int c = 0; c < CHANNELS; c++) {
            double level = random.nextDouble(0, 0.25);
            int off = base + c * plane;
            for (int py = 0; py < size; py++) {
                double row = level + gy * ((py + 0.5) / size - 0.5);
                for (int px = 0; px < size; px++) {
                    x[off + py * size + px] = (float) (row + gx * ((px + 0.5) / size - 0.5));
                }
            }
        }
        // clutter: a few thin, fainter strokes, present in every class so they carry no label information
        int strokes = 1 + random.nextInt(4);
        for (int s = 0; s < strokes; s++) {
            stroke(x, base);
        }
        object(x, base, shape, scale);
        if (noiseStd > 0) {
            for (int p = base, end = base + CHANNELS * plane; p < end; p++) {
                x[p] += (float) (noiseStd * random.nextGaussian());
            }
        }
    }

    /** An anti-aliased line about one pixel wide, 20-60 % of the image long, at a random angle. */
    private void stroke(float[] x, int base) {
        double x0 = random.nextDouble(size), y0 = random.nextDouble(size);
        double angle = random.nextDouble(Math.PI), len = random.nextDouble(0.2, 0.6) * size;
        double dx = Math.cos(angle) * len, dy = Math.sin(angle) * len;
        double grey = random.nextDouble(0.25, 0.5), alpha = random.nextDouble(0.3, 0.5);
        int xMin = Math.max(0, (int) Math.floor(Math.min(x0, x0 + dx) - 1));
        int xMax = Math.min(size - 1, (int) Math.ceil(Math.max(x0, x0 + dx) + 1));
        int yMin = Math.max(0, (int) Math.floor(Math.min(y0, y0 + dy) - 1));
        int yMax = Math.min(size - 1, (int) Math.ceil(Math.max(y0, y0 + dy) + 1));
        double len2 = len * len;
        int plane = size * size;
        for (int py = yMin; py <= yMax; py++) {
            for (int px = xMin; px <= xMax; px++) {
                double qx = px + 0.5 - x0, qy = py + 0.5 - y0;
                double t = Math.max(0, Math.min(1, (qx * dx + qy * dy) / len2));
                double ex = qx - t * dx, ey = qy - t * dy;
                double cover = 1 - Math.sqrt(ex * ex + ey * ey);
                if (cover > 0) {
                    float a = (float) (alpha * cover);
                    for (int c = 0; c < CHANNELS; c++) {
                        int p = base + c * plane + py * size + px;
                        x[p] += a * ((float) grey - x[p]);
                    }
                }
            }
        }
    }

    /** The object: extent scale * size, fully inside the image, in a bright random colour. */
    private void object(float[] x, int base, Shape shape, double scale) {
        double half = scale * size / 2;
        double cx = half + random.nextDouble() * (size - 2 * half);
        double cy = half + random.nextDouble() * (size - 2 * half);
        // brightest channel 0.65-1, the others >= 60 % of it: the mean over channels stays >= 0.47,
        // clearly above the background (<= 0.35) and the clutter (<= 0.43) whatever the hue
        double brightness = random.nextDouble(0.65, 1.0);
        float[] colour = new float[CHANNELS];
        double max = 0;
        double[] tint = new double[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            tint[c] = random.nextDouble(0.6, 1.0);
            max = Math.max(max, tint[c]);
        }
        for (int c = 0; c < CHANNELS; c++) {
            colour[c] = (float) (brightness * tint[c] / max);
        }
        int xMin = Math.max(0, (int) Math.floor(cx - half)), xMax = Math.min(size - 1, (int) Math.ceil(cx + half));
        int yMin = Math.max(0, (int) Math.floor(cy - half)), yMax = Math.min(size - 1, (int) Math.ceil(cy + half));
        int plane = size * size;
        for (int py = yMin; py <= yMax; py++) {
            for (int px = xMin; px <= xMax; px++) {
                int hits = 0;
                for (double sy : SUB) {
                    for (double sx : SUB) {
                        if (shape.contains((px + sx - cx) / half, (py + sy - cy) / half)) {
                            hits++;
                        }
                    }
                }
                if (hits > 0) {
                    float a = hits / (float) (SUB.length * SUB.length);
                    for (int c = 0; c < CHANNELS; c++) {
                        int p = base + c * plane + py * size + px;
                        x[p] += a * (colour[c] - x[p]);
                    }
                }
            }
        }
    }
}
