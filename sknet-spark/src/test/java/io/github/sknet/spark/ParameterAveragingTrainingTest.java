package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.SKNetModelFile;

/**
 * sknet_small trained on Spark local[2] with parameter averaging against the same configuration trained
 * on one machine with plain ComputationGraph.fit, on the same images for the same epochs. Two workers with
 * batches of 16 averaged every 2 steps see as many examples per averaging round as the single machine in
 * two steps of 32.
 */
class ParameterAveragingTrainingTest {
    static final int SIZE = 16, TRAIN = 960, HELD_OUT = 400, BATCH = 32, WORKER_BATCH = 16, EPOCHS = 3;
    static final long SEED = 42;

    @TempDir
    Path dir;

    @Test
    void trainsCloseToASingleMachineAndSavesAModelSknetReads() throws Exception {
        JavaSparkContext sc = SparkTestContext.get();
        JavaRDD<DataSet> train = SparkData.syntheticShapes(sc, TRAIN, SIZE, BATCH, SEED, 2).cache();
        List<String> classes = new SyntheticShapes(SIZE, SEED).classNames();

        SparkSKNetTrainer trainer = SparkSKNetTrainer.builder(sc).variant(SKNetVariant.SKNET_SMALL)
                .numClasses(classes.size()).inputShape(3, SIZE, SIZE).batchSizePerWorker(WORKER_BATCH).averagingFrequency(2)
                .epochs(EPOCHS).seed(SEED).updater(new Adam(2e-3))
                .exportDirectory(SparkTestContext.target("spark-export").toUri().toString()).build();
        trainer.fit(train);
        List<Double> scores = trainer.epochScores();
        assertEquals(EPOCHS, scores.size());
        assertTrue(scores.get(EPOCHS - 1) < scores.get(0) && scores.get(0) < trainer.initialScore(),
                "the score falls: initial " + trainer.initialScore() + ", per epoch " + scores);

        Path file = dir.resolve("model.zip");
        trainer.save(file, classes);
        ComputationGraph loaded = SKNetModelFile.load(file, false);
        SKNetModelFile.Meta meta = SKNetModelFile.meta(file, loaded);
        assertEquals(new SKNetModelFile.Meta("sknet_small", SIZE, classes, EPOCHS), meta);

        // single machine: the same images (in the RDD's order), configuration and epochs
        List<DataSet> batches = train.collect();
        ComputationGraph single = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(classes.size())
                .inputShape(3, SIZE, SIZE).seed(SEED).updater(new Adam(2e-3)).build().init();
        long t0 = System.nanoTime();
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet ds : batches) {
                single.fit(ds);
            }
        }
        double singleSeconds = (System.nanoTime() - t0) / 1e9;
        train.unpersist();

        double spark = loaded.evaluate(heldOut()).accuracy();
        double local = single.evaluate(heldOut()).accuracy();
        // the distributed evaluation agrees with the saved model's local one (2 partitions, 4 batches each)
        assertEquals(spark, trainer.evaluate(sc.parallelize(heldOutSet().batchBy(50), 2)).accuracy(), 1e-9);
        System.out.printf(Locale.ROOT, "parameter averaging, %d images %dx%d, %d epochs: Spark local[2] held-out accuracy "
                + "%.4f (epochs %s s, scores %s), single machine %.4f (%.1f s per epoch)%n", TRAIN, SIZE, SIZE, EPOCHS,
                spark, trainer.epochSeconds(), scores, local, singleSeconds / EPOCHS);
        // measured: Spark 0.7875 (0.7475 before the learning rate was scaled by the number of workers), single
        // machine 0.7975 (n = 400 held-out images: +-0.02 standard error each)
        assertTrue(spark > 0.5, "Spark accuracy " + spark + " is clearly above chance (0.2)");
        assertTrue(spark > local - 0.15, "Spark accuracy " + spark + " is within 0.15 of the single machine's " + local);
    }

    private static DataSetIterator heldOut() {
        return new ListDataSetIterator<>(heldOutSet().asList(), 100);
    }

    /** Another seed: images neither run has seen. */
    private static DataSet heldOutSet() {
        return new SyntheticShapes(SIZE, SEED + 1).sample(HELD_OUT);
    }
}
