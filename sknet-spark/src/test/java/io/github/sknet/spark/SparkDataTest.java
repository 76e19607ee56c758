package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

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
}
