package io.github.sknet.models.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;

import org.bytedeco.opencv.opencv_core.Mat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches of an {@link ImageFolder}'s images: decoded with OpenCV, prepared by an
 * {@link ImagePreprocessing} (and, for training, an {@link Augmentation}), labels one-hot. Every image
 * is used once per epoch; the last batch may be smaller.
 *
 * <p>With {@code shuffle}, the order of epoch {@code e} (set by {@link #startEpoch}) is a permutation
 * drawn from {@code seed} and {@code e} alone, and each image's augmentation from {@code seed}, {@code e}
 * and its position: an epoch's batches are the same whether the run was interrupted or not. Wrap it in
 * DL4J's {@code AsyncDataSetIterator} to decode on a background thread.
 */
public final class ImageFolderIterator implements DataSetIterator {
    private final List<ImageFolder.Sample> samples;
    private final int numClasses;
    private final List<String> labels;
    private final int batch;
    private final ImagePreprocessing prep;
    private final Augmentation augmentation;
    private final boolean shuffle;
    private final long seed;
    private int epoch = 1;
    private List<ImageFolder.Sample> order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public ImageFolderIterator(List<ImageFolder.Sample> samples, List<String> classes, int batch, ImagePreprocessing prep,
                               Augmentation augmentation, boolean shuffle, long seed) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no images to iterate over");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        this.samples = List.copyOf(samples);
        this.labels = List.copyOf(classes);
        this.numClasses = classes.size();
        this.batch = batch;
        this.prep = Objects.requireNonNull(prep, "prep");
        this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
        this.shuffle = shuffle;
        this.seed = seed;
        reset();
    }

    /** Evaluation order and preparation: every image once, in folder order, no augmentation. */
    public static ImageFolderIterator forEvaluation(List<ImageFolder.Sample> samples, List<String> classes, int batch,
                                                    ImagePreprocessing prep) {
        return new ImageFolderIterator(samples, classes, batch, prep, Augmentation.NONE, false, 0);
    }

    /** Sets the epoch (from 1) whose order and augmentation the next {@link #reset} starts. */
    public void startEpoch(int e) {
        this.epoch = e;
        reset();
    }

    public int numImages() {
        return samples.size();
    }

    @Override
    public void reset() {
        order = new ArrayList<>(samples);
        if (shuffle) {
            Collections.shuffle(order, new Random(mix(seed, epoch, -1)));
        }
        cursor = 0;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.size();
    }

    @Override
    public DataSet next() {
        return next(batch);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int n = Math.min(num, order.size() - cursor);
        int s = prep.size(), per = 3 * s * s;
        float[] x = new float[n * per];
        float[] y = new float[n * numClasses];
        for (int i = 0; i < n; i++) {
            int position = cursor + i;
            ImageFolder.Sample sample = order.get(position);
            Mat img = ImagePreprocessing.decode(sample.file());
            Mat view = augmentation.isNone() ? prep.evalView(img)
                    : augmentation.apply(img, prep, new SplittableRandom(mix(seed, epoch, position)));
            prep.toChw(view, x, i * per);
            y[i * numClasses + sample.label()] = 1;
        }
        cursor += n;
        DataSet ds = new DataSet(Nd4j.create(x, new long[] {n, 3, s, s}, DataType.FLOAT),
                Nd4j.create(y, new long[] {n, numClasses}, DataType.FLOAT));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private static long mix(long seed, int epoch, int position) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + position;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }

    @Override
    public int inputColumns() {
        return 3 * prep.size() * prep.size();
    }

    @Override
    public int totalOutcomes() {
        return numClasses;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labels;
    }
}
