package io.github.sknet.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.BaseImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.ImagePixels;

/**
 * Training data as Spark RDDs of mini-batches ({@link DataSet}s of features {@code [B, 3, size, size]} and
 * one-hot labels {@code [B, K]}), the form {@link SparkSKNetTrainer} and DL4J's
 * {@code SparkComputationGraph} take.
 */
public final class SparkData {
    /** Mixes the partition index into the seed: partitions draw independent images. */
    private static final long PARTITION_SEED_STRIDE = 0x9E3779B97F4A7C15L;

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
     * = sorted sub-folder names), read <b>on the driver</b> with DataVec's {@code ImageRecordReader}
     * (resized to size x size, 3 channels, values scaled to [0, 1]; the {@code sknet} command now reads
     * folders with sknet-models' ImageFolder, crops instead of stretching and augments), then parallelized in mini-batches of {@code batch} over {@code sc.defaultParallelism()}
     * partitions. Driver-side loading keeps OpenCV off the executors and suits data sets that fit in
     * driver memory; for larger ones, read the files on the executors (DataVec's Spark functions).
     *
     * @param dir a local folder (the driver's file system)
     * @throws IllegalArgumentException if {@code dir} is not a folder with at least two class sub-folders,
     *                                  holds no images, or an argument is out of range
     * @throws UncheckedIOException     if the images cannot be read
     */
    public static JavaRDD<DataSet> imageFolder(JavaSparkContext sc, String dir, int size, int batch) {
        Objects.requireNonNull(sc, "sc");
        positive("size", size);
        positive("batch", batch);
        List<DataSet> batches = new ArrayList<>();
        DataSetIterator it = imageIterator(dir, size, batch);
        while (it.hasNext()) {
            batches.add(it.next());
        }
        return sc.parallelize(batches, Math.max(1, Math.min(batches.size(), sc.defaultParallelism())));
    }

    /** The class names of {@link #imageFolder}, in label (output column) order. */
    public static List<String> imageFolderClasses(String dir) {
        return List.copyOf(reader(dir, 16).getLabels());
    }

    private static DataSetIterator imageIterator(String dir, int size, int batch) {
        ImageRecordReader reader = reader(dir, size);
        DataSetIterator it = new RecordReaderDataSetIterator(reader, batch, 1, reader.getLabels().size());
        it.setPreProcessor(ds -> ds.setFeatures(ImagePixels.fromDataVec(ds.getFeatures()))); // RGB in [0, 1], as the CLI
        return it;
    }

    private static ImageRecordReader reader(String dir, int size) {
        Objects.requireNonNull(dir, "dir");
        Path root = Path.of(dir);
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("SparkData.imageFolder: dir " + dir + " is not a folder");
        }
        long classes;
        try (var subs = Files.list(root)) {
            classes = subs.filter(Files::isDirectory).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("SparkData.imageFolder: dir " + dir
                    + " needs one sub-folder per class (at least 2), found " + classes);
        }
        // a fixed Random: the file order (and so the batches) is the same on every call
        FileSplit split = new FileSplit(new File(dir), BaseImageLoader.ALLOWED_FORMATS, new Random(1));
        if (split.length() == 0) {
            throw new IllegalArgumentException("SparkData.imageFolder: no images ("
                    + String.join(", ", BaseImageLoader.ALLOWED_FORMATS) + ") in " + dir);
        }
        ImageRecordReader reader = new ImageRecordReader(size, size, 3, new ParentPathLabelGenerator());
        try {
            reader.initialize(split);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read images in " + dir, e);
        }
        return reader;
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
