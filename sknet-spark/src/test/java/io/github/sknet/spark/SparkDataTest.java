package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.SyntheticShapes;

class SparkDataTest {
    @TempDir
    Path dir;

    @Test
    void syntheticShapesAreSplitOverPartitionsInBatchesAndRepeatable() {
        JavaSparkContext sc = SparkTestContext.get();
        JavaRDD<DataSet> rdd = SparkData.syntheticShapes(sc, 101, 16, 20, 5, 3);
        assertEquals(3, rdd.getNumPartitions());
        List<DataSet> batches = rdd.collect();
        // 34 + 34 + 33 images: batches of 20, 14, 20, 14, 20, 13
        assertEquals(List.of(20, 14, 20, 14, 20, 13), batches.stream().map(DataSet::numExamples).toList());
        assertArrayEquals(new long[] {20, 3, 16, 16}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[] {20, 5}, batches.get(0).getLabels().shape());
        // every action regenerates the same images
        assertEquals(batches.get(3).getFeatures(), rdd.collect().get(3).getFeatures());
        // partitions draw different images
        assertTrue(!batches.get(0).getFeatures().equals(batches.get(2).getFeatures()));
    }

    @Test
    void imageFolderIsReadOnTheDriverAsTheSknetCommandReadsIt() {
        SyntheticShapes shapes = new SyntheticShapes(20, 3);
        DataSet d = shapes.sample(25);
        SyntheticShapes.writePngFolder(d, shapes.classNames(), dir);
        JavaSparkContext sc = SparkTestContext.get();

        List<String> classes = SparkData.imageFolderClasses(dir.toString());
        assertEquals(shapes.classNames().stream().sorted().toList(), classes, "sorted sub-folder names");
        List<DataSet> batches = SparkData.imageFolder(sc, dir.toString(), 16, 10).collect();
        assertEquals(25, batches.stream().mapToInt(DataSet::numExamples).sum());
        DataSet first = batches.get(0);
        assertArrayEquals(new long[] {10, 3, 16, 16}, first.getFeatures().shape(), "resized to 16x16");
        assertArrayEquals(new long[] {10, 5}, first.getLabels().shape());
        assertTrue(first.getFeatures().minNumber().doubleValue() >= 0 && first.getFeatures().maxNumber().doubleValue() <= 1,
                "scaled to [0, 1]");
    }

    @Test
    void imageFolderBatchesAreTheSknetCommandsPreparationOfEveryImage() throws Exception {
        // wide images: cropped (as the sknet command prepares them), not stretched; a red band on the left shows which
        for (String c : List.of("a", "b")) {
            Path d = Files.createDirectories(dir.resolve(c));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(36, 16, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(40 * i, c.equals("a") ? 200 : 60, 90));
                g.fillRect(0, 0, 36, 16);
                g.setColor(Color.RED);
                g.fillRect(0, 0, 9, 16);
                g.dispose();
                ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
            }
        }
        List<DataSet> batches = SparkData.imageFolder(SparkTestContext.get(), dir.toString(), 16, 4).collect();
        ImageFolder folder = ImageFolder.all(dir);
        DataSet expected = ImageFolderIterator.forEvaluation(folder.train(), folder.classes(), 100,
                ImagePreprocessing.plain(16)).next();
        assertEquals(imageSums(List.of(expected)), imageSums(batches), "the same images, prepared alike");
        // the centre crop of a 36x16 image (columns 10..25) keeps none of the red band (columns 0..8)
        double red = batches.get(0).getFeatures().get(NDArrayIndex.point(0), NDArrayIndex.point(0),
                NDArrayIndex.all(), NDArrayIndex.point(0)).meanNumber().doubleValue();
        assertTrue(red < 0.9, "left column of a centre crop is not the red band: " + red);
    }

    /** Each image's pixel sum and label, sorted: the batches' content independent of their order. */
    private static List<String> imageSums(List<DataSet> batches) {
        List<String> out = new ArrayList<>();
        for (DataSet b : batches) {
            for (int i = 0; i < b.numExamples(); i++) {
                out.add(String.format(Locale.ROOT, "%.3f/%d", b.getFeatures().slice(i).sumNumber().doubleValue(),
                        b.getLabels().getRow(i).argMax().getInt(0)));
            }
        }
        Collections.sort(out);
        return out;
    }
}
