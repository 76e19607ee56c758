package io.github.sknet.models.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.datavec.api.io.filters.BalancedPathFilter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.image.loader.BaseImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import io.github.sknet.models.io.ImagePixels;

/**
 * An image folder (one sub-folder per class) through DataVec's ImageRecordReader: images resized to
 * size x size, RGB in [0, 1] ({@link ImagePixels}); class names are the sub-folder names, sorted.
 */
final class ImageFolderData {
    final DataSetIterator iterator;
    final List<String> classes;
    final int images;

    private ImageFolderData(DataSetIterator iterator, List<String> classes, int images) {
        this.iterator = iterator;
        this.classes = classes;
        this.images = images;
    }

    /**
     * Reorders the label columns to the given class order (a model trained on data whose classes came in
     * another order, e.g. the synthetic shapes, evaluated on their images written to a folder).
     */
    void useClassOrder(List<String> order) {
        int[] columns = order.stream().mapToInt(classes::indexOf).toArray();
        DataSetPreProcessor scale = iterator.getPreProcessor();
        iterator.setPreProcessor(ds -> {
            scale.preProcess(ds);
            ds.setLabels(ds.getLabels().getColumns(columns));
        });
    }

    static void checkFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw CliException.usage("data folder not found: " + dir);
        }
        try (var subs = Files.list(dir)) {
            if (subs.filter(Files::isDirectory).count() < 2) {
                throw CliException.usage("data folder " + dir + " needs one sub-folder per class (at least 2)");
            }
        } catch (IOException e) {
            throw CliException.failure("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** All images of the folder. */
    static ImageFolderData all(Path dir, int size, int batch) {
        checkFolder(dir);
        FileSplit split = new FileSplit(dir.toFile(), BaseImageLoader.ALLOWED_FORMATS, new Random(1));
        return of(split, size, batch, (int) split.length());
    }

    /** A stratified split into training (first) and held-out (second) parts. */
    static ImageFolderData[] split(Path dir, int size, int batch, double heldOut, long seed) {
        checkFolder(dir);
        Random rng = new Random(seed);
        FileSplit files = new FileSplit(dir.toFile(), BaseImageLoader.ALLOWED_FORMATS, rng);
        BalancedPathFilter filter = new BalancedPathFilter(rng, BaseImageLoader.ALLOWED_FORMATS,
                new ParentPathLabelGenerator());
        double trainPct = 100 * (1 - heldOut);
        InputSplit[] parts = files.sample(filter, trainPct, 100 - trainPct);
        return new ImageFolderData[] {of(parts[0], size, batch, (int) parts[0].length()),
                of(parts[1], size, batch, (int) parts[1].length())};
    }

    private static ImageFolderData of(InputSplit split, int size, int batch, int count) {
        if (count == 0) {
            throw CliException.usage("no images (" + String.join(", ", BaseImageLoader.ALLOWED_FORMATS)
                    + ") in the data folder");
        }
        ImageRecordReader reader = new ImageRecordReader(size, size, 3, new ParentPathLabelGenerator());
        try {
            reader.initialize(split);
        } catch (IOException e) {
            throw CliException.failure("cannot read images: " + e.getMessage(), e);
        }
        List<String> classes = reader.getLabels();
        DataSetIterator it = new RecordReaderDataSetIterator(reader, batch, 1, classes.size());
        it.setPreProcessor(ds -> ds.setFeatures(ImagePixels.fromDataVec(ds.getFeatures())));
        return new ImageFolderData(it, classes, count);
    }

}
