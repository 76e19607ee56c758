package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.SKNetModelFile;

/** The spark-submit entry point's work, on the test's SparkContext, writing files sknet-models reads. */
class SparkTrainMainTest {
    @TempDir
    Path dir;

    @Test
    void trainsOnSyntheticShapes() throws Exception {
        Path out = dir.resolve("synthetic.zip");
        assertEquals(0, SparkTrainMain.run(SparkTestContext.get(), SparkTrainArgs.parse("--size", "16", "--epochs", "1",
                "--batch", "16", "--workers", "2", "--train-images", "128", "--held-out-images", "64", "--out", out.toString())));
        ComputationGraph g = SKNetModelFile.load(out, false);
        assertEquals(new SKNetModelFile.Meta("sknet_small", 16, new SyntheticShapes(16, 1).classNames(), 1),
                SKNetModelFile.meta(out, g));
    }

    @Test
    void trainsOnAnImageFolder() throws Exception {
        SyntheticShapes shapes = new SyntheticShapes(16, 9);
        SyntheticShapes.writePngFolder(shapes.sample(60), shapes.classNames(), dir.resolve("train"));
        SyntheticShapes.writePngFolder(shapes.sample(20), shapes.classNames(), dir.resolve("eval"));
        Path out = dir.resolve("folder.zip");
        assertEquals(0, SparkTrainMain.run(SparkTestContext.get(), SparkTrainArgs.parse("--data", dir.resolve("train").toString(),
                "--eval", dir.resolve("eval").toString(), "--size", "16", "--epochs", "1", "--batch", "10",
                "--out", out.toString())));
        SKNetModelFile.Meta meta = SKNetModelFile.meta(out, SKNetModelFile.load(out, false));
        assertEquals(SparkData.imageFolderClasses(dir.resolve("train").toString()), meta.classes());
        assertEquals(16, meta.size());
    }
}
