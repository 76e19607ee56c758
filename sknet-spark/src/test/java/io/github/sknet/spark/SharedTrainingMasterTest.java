package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import io.github.sknet.models.SKNetVariant;

/**
 * Gradient sharing (SharedTrainingMaster: Aeron on 127.0.0.1, two local workers). Its own getScore()
 * reports 0.0, so the trainer's scores are computed on a sample; the BatchNorm statistics, which gradient
 * sharing does not carry, are re-estimated by the trainer (without that the accuracy stayed at chance).
 */
class SharedTrainingMasterTest {
    static final int SIZE = 16, TRAIN = 960, BATCH = 32, EPOCHS = 2;

    @Test
    void trainsWithGradientSharing() {
        JavaSparkContext sc = SparkTestContext.get();
        JavaRDD<DataSet> train = SparkData.syntheticShapes(sc, TRAIN, SIZE, BATCH, 11, 2).cache();
        SparkSKNetTrainer trainer = SparkSKNetTrainer.builder(sc).variant(SKNetVariant.SKNET_SMALL).numClasses(5)
                .inputShape(3, SIZE, SIZE).batchSizePerWorker(16).epochs(EPOCHS).seed(11).sharedTrainingMaster(true)
                .exportDirectory(SparkTestContext.target("spark-export").toUri().toString()).build();
        ComputationGraph net = trainer.fit(train);
        train.unpersist();

        List<Double> scores = trainer.epochScores();
        assertEquals(EPOCHS, scores.size());
        assertTrue(scores.get(EPOCHS - 1) < scores.get(0) && scores.get(0) < trainer.initialScore(),
                "the score falls: initial " + trainer.initialScore() + ", per epoch " + scores);
        // evaluated on the executors, on images of another seed
        double acc = trainer.evaluate(SparkData.syntheticShapes(sc, 400, SIZE, 100, 12, 2)).accuracy();
        System.out.printf(Locale.ROOT, "shared training master, %d images %dx%d, %d epochs: held-out accuracy %.4f "
                + "(epochs %s s, scores %s)%n", TRAIN, SIZE, SIZE, EPOCHS, acc, trainer.epochSeconds(), scores);
        assertTrue(acc > 0.4, "held-out accuracy " + acc + " is clearly above chance (0.2)");
        assertEquals(net, trainer.network());
    }
}
