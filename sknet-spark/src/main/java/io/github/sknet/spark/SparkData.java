package io.github.sknet.spark;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

import io.github.sknet.models.data.Augmentation;
import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.SyntheticShapes;

/**
 * Training data as Spark RDDs of mini-batches ({@link DataSet}s of features {@code [B, 3, size, size]} and
 * one-hot labels {@code [B, K]}), the form {@link SparkSKNetTrainer} and DL4J's
 * {@code SparkComputationGraph} take.
 */
public final class SparkData {
    /** Mixes the partition index into the seed: partitions draw independent images. */
    private static final long PARTITION_SEED_STRIDE = 0x9E3779B97F4A7C15L;
    /** The seed of {@link #imageFolder}'s image order. */
    private static final long FOLDER_ORDER_SEED = 1;

    private SparkData() {
    }

    /**
     * {@code n} images of sknet-models' {@link SyntheticShapes}, generated on the executors (no driver
     * memory, no shipping of pixels): partition {@code p} draws its share of {@code n} (the first
     * {@code n % partitions} partitions one image more) from {@code new SyntheticShapes(size, seed + p * C)}
     * in mini-batches of {@code batch} (the last one of a partition may be smaller); classes are balanced
     * within each mini-batch. The RDD is not cached: every action regenerates the same images (equal
     * arguments give equal data), so cache it if it is used more than once and fits in memory.
     *
     * @param partitions number of RDD partitions, e.g. the number of Spark workers
     * @throws IllegalArgumentException naming the offending argument
     */
    public static JavaRDD<DataSet> syntheticShapes(JavaSparkContext sc, int n, int size, int batch, long seed,
            int partitions) {
        Objects.requireNonNull(sc, "sc");
        positive("n", n);
        positive("batch", batch);
        positive("partitions", partitions);
        if (size < 16) {
            // SyntheticShapes' own limit, checked here so that it fails on the driver, not in a task
            throw new IllegalArgumentException("SparkData.syntheticShapes: size must be >= 16, got " + size);
        }
        if (partitions > n) {
            throw new IllegalArgumentException("SparkData.syntheticShapes: partitions (" + partitions
                    + ") must not exceed n (" + n + "): a partition would be empty");
        }
        List<Integer> parts = IntStream.range(0, partitions).boxed().toList();
        // one partition index per partition; flatMap's iterator draws the batches lazily, on the executor
        return sc.parallelize(parts, partitions).flatMap(p -> syntheticShapesPartition(p, n, size, batch, seed, partitions));
    }

    /**
     * Partition {@code p} of {@link #syntheticShapes} with the same arguments, drawn here without Spark
     * (the same images: a single-machine reference run trains on exactly what the workers saw).
     */
    static Iterator<DataSet> syntheticShapesPartition(int p, int n, int size, int batch, long seed, int partitions) {
        return new ShapeBatches(new SyntheticShapes(size, seed + p * PARTITION_SEED_STRIDE),
                n / partitions + (p < n % partitions ? 1 : 0), batch);
    }

    /**
     * All images of an image folder (one sub-folder per class, {@link #imageFolderClasses class order}
     * = sorted sub-folder names; a folder with {@code train/} and {@code val/} gives its {@code train/}),
     * read <b>on the driver</b> with sknet-models' {@link ImageFolder} and {@link ImageFolderIterator} as
     * {@code sknet train --data} and {@code sknet evaluate} read them: {@link ImagePreprocessing#plain(int)
     * plain(size)}, the preparation the saved model records (shorter side resized to {@code size}, centre
     * crop, RGB in [0, 1]), no augmentation (the batches are made once), in an order shuffled with a fixed
     * seed (the same batches on every call); then parallelized in mini-batches of {@code batch} over
     * {@code sc.defaultParallelism()} partitions. Driver-side loading keeps OpenCV off the executors and
     * suits data sets that fit in driver memory. Class folders without images are named on stderr.
     *
     * @param dir a local folder (the driver's file system)
     * @throws IllegalArgumentException if {@code dir} is not a folder with at least two class sub-folders,
     *                                  holds no images, holds an image that cannot be decoded (named), or an
     *                                  argument is out of range
     * @throws UncheckedIOException     if the folder cannot be listed
     */
    public static JavaRDD<DataSet> imageFolder(JavaSparkContext sc, String dir, int size, int batch) {
        Objects.requireNonNull(sc, "sc");
        positive("size", size);
        positive("batch", batch);
        ImageFolder folder = folder(dir);
        folder.warnings().forEach(w -> System.err.println("SparkData.imageFolder: warning: " + w));
        ImageFolderIterator it = new ImageFolderIterator(folder.train(), folder.classes(), batch,
                ImagePreprocessing.plain(size), Augmentation.NONE, true, FOLDER_ORDER_SEED);
        List<DataSet> batches = new ArrayList<>();
        try {
            while (it.hasNext()) {
                batches.add(it.next());
            }
        } catch (IllegalArgumentException e) { // an image OpenCV cannot decode, named
            throw new IllegalArgumentException("SparkData.imageFolder: " + e.getMessage(), e);
        }
        return sc.parallelize(batches, Math.max(1, Math.min(batches.size(), sc.defaultParallelism())));
    }

    /** The class names of {@link #imageFolder}, in label (output column) order. */
    public static List<String> imageFolderClasses(String dir) {
        return folder(dir).classes();
    }

    private static ImageFolder folder(String dir) {
        Objects.requireNonNull(dir, "dir");
        if (!Files.isDirectory(Path.of(dir))) {
            throw new IllegalArgumentException("SparkData.imageFolder: dir " + dir + " is not a folder");
        }
        try {
            return ImageFolder.all(Path.of(dir));
        } catch (IllegalArgumentException e) { // fewer than two class folders, no images
            throw new IllegalArgumentException("SparkData.imageFolder: " + e.getMessage(), e);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("SparkData: " + name + " must be >= 1, got " + value);
        }
    }

    /** Lazily drawn mini-batches: a partition never holds more than one batch of pixels at a time. */
    private static final class ShapeBatches implements Iterator<DataSet> {
        private final SyntheticShapes shapes;
        private final int batch;
        private int left;

        ShapeBatches(SyntheticShapes shapes, int count, int batch) {
            this.shapes = shapes;
            this.left = count;
            this.batch = batch;
        }

        @Override
        public boolean hasNext() {
            return left > 0;
        }

        @Override
        public DataSet next() {
            if (left <= 0) {
                throw new NoSuchElementException();
            }
            int b = Math.min(batch, left);
            left -= b;
            return shapes.sample(b);
        }
    }
}
