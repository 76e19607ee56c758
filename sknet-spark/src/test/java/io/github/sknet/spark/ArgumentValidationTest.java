package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.models.SKNetVariant;

/** Every bad argument fails at once, with a message that names it. */
class ArgumentValidationTest {
    @TempDir
    Path dir;

    static void fails(Class<? extends Throwable> type, String named, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(named),
                "message names '" + named + "': " + t.getMessage());
    }

    static SparkSKNetTrainer.Builder small(JavaSparkContext sc) {
        return SparkSKNetTrainer.builder(sc).variant(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 16, 16);
    }

    @Test
    void trainerBuilder() {
        JavaSparkContext sc = SparkTestContext.get();
        fails(NullPointerException.class, "sc", () -> SparkSKNetTrainer.builder(null));
        fails(IllegalArgumentException.class, "variant is required", () -> SparkSKNetTrainer.builder(sc).build());
        fails(NullPointerException.class, "variant", () -> SparkSKNetTrainer.builder(sc).variant(null));
        fails(IllegalArgumentException.class, "numClasses must be >= 2, got 1", () -> small(sc).numClasses(1));
        fails(IllegalArgumentException.class, "inputShape channels", () -> small(sc).inputShape(0, 16, 16));
        fails(IllegalArgumentException.class, "inputShape width", () -> small(sc).inputShape(3, 16, -2));
        fails(IllegalArgumentException.class, "batchSizePerWorker must be >= 1, got 0", () -> small(sc).batchSizePerWorker(0));
        fails(IllegalArgumentException.class, "averagingFrequency", () -> small(sc).averagingFrequency(0));
        fails(IllegalArgumentException.class, "epochs must be >= 1, got -1", () -> small(sc).epochs(-1));
        fails(NullPointerException.class, "updater", () -> small(sc).updater(null));
        fails(IllegalArgumentException.class, "exportDirectory", () -> small(sc).exportDirectory(" "));
        fails(IllegalArgumentException.class, "scoreBatches", () -> small(sc).scoreBatches(0));
        fails(IllegalArgumentException.class, "port must be <= 65535", () -> small(sc).sharedNetwork("127.0.0.1", null, 70000));
        // a configuration SKNet itself rejects fails at build(), not in the first Spark job
        assertThrows(IllegalArgumentException.class, () -> small(sc).inputShape(3, 2, 2).build());
    }

    @Test
    void trainerUse() {
        JavaSparkContext sc = SparkTestContext.get();
        SparkSKNetTrainer t = small(sc).build();
        fails(IllegalStateException.class, "call fit first", () -> t.save(dir.resolve("m.zip"), List.of("a")));
        fails(IllegalStateException.class, "call fit first", t::network);
        fails(NullPointerException.class, "data", () -> t.fit(null));
        fails(IllegalArgumentException.class, "data is empty", () -> t.fit(sc.emptyRDD()));
        DataSet wrongSize = new DataSet(Nd4j.zeros(4, 3, 24, 24), Nd4j.zeros(4, 5));
        fails(IllegalArgumentException.class, "(inputShape), got [4, 3, 24, 24]",
                () -> small(sc).build().fit(sc.parallelize(List.of(wrongSize))));
        DataSet wrongClasses = new DataSet(Nd4j.zeros(4, 3, 16, 16), Nd4j.zeros(4, 7));
        fails(IllegalArgumentException.class, "(numClasses), got [4, 7]",
                () -> small(sc).build().fit(sc.parallelize(List.of(wrongClasses))));
    }

    @Test
    void sparkData() throws Exception {
        JavaSparkContext sc = SparkTestContext.get();
        fails(IllegalArgumentException.class, "n must be >= 1, got 0", () -> SparkData.syntheticShapes(sc, 0, 16, 8, 1, 1));
        fails(IllegalArgumentException.class, "size must be >= 16, got 8", () -> SparkData.syntheticShapes(sc, 10, 8, 8, 1, 1));
        fails(IllegalArgumentException.class, "batch", () -> SparkData.syntheticShapes(sc, 10, 16, 0, 1, 1));
        fails(IllegalArgumentException.class, "partitions (11) must not exceed n (10)",
                () -> SparkData.syntheticShapes(sc, 10, 16, 8, 1, 11));
        fails(IllegalArgumentException.class, "is not a folder", () -> SparkData.imageFolder(sc, dir.resolve("nope").toString(), 16, 8));
        Files.createDirectories(dir.resolve("only-one-class"));
        fails(IllegalArgumentException.class, "at least 2", () -> SparkData.imageFolder(sc, dir.toString(), 16, 8));
        Files.createDirectories(dir.resolve("another-class"));
        fails(IllegalArgumentException.class, "no images", () -> SparkData.imageFolder(sc, dir.toString(), 16, 8));
        Path bad = dir.resolve("another-class").resolve("broken.png");
        Files.write(bad, new byte[] {1, 2, 3, 4});
        fails(IllegalArgumentException.class, "cannot read image " + bad, () -> SparkData.imageFolder(sc, dir.toString(), 16, 8));
    }

    @Test
    void commandLine() {
        Consumer<String[]> ok = a -> SparkTrainArgs.parse(a);
        ok.accept(new String[] {"--arch", "sknet_small", "--epochs", "2", "--shared"});
        assertNull(SparkTrainArgs.parse("--help"));
        SparkTrainArgs d = SparkTrainArgs.parse();
        assertTrue(d.synthetic() && d.size() == 32 && d.epochs() == 3 && d.batch() == 32 && !d.shared());
        assertEquals(SKNetVariant.SKNET26, SparkTrainArgs.parse("--arch", "SKNet26").arch());
        fails(IllegalArgumentException.class, "unknown option '--colour'", () -> SparkTrainArgs.parse("--colour"));
        fails(IllegalArgumentException.class, "--epochs must be an integer, got 'many'", () -> SparkTrainArgs.parse("--epochs", "many"));
        fails(IllegalArgumentException.class, "--size must be >= 16, got 8", () -> SparkTrainArgs.parse("--size", "8"));
        fails(IllegalArgumentException.class, "--out needs a value", () -> SparkTrainArgs.parse("--out"));
        fails(IllegalArgumentException.class, "--arch: unknown architecture 'sknet7'", () -> SparkTrainArgs.parse("--arch", "sknet7"));
        fails(IllegalArgumentException.class, "--lr must be > 0", () -> SparkTrainArgs.parse("--lr", "-1"));
        fails(IllegalArgumentException.class, "--data: folder not found", () -> SparkTrainArgs.parse("--data", dir.resolve("x").toString()));
        fails(IllegalArgumentException.class, "--eval: only with --data DIR",
                () -> SparkTrainArgs.parse("--eval", dir.toString()));
    }
}
