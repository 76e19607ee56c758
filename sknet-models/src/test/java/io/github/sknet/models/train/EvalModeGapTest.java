package io.github.sknet.models.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.Augmentation;
import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;

/**
 * The regression test of the eval-mode gap (issue 12), on 600 real digit photos: a network trained on an
 * image folder must classify its own training images as well in inference mode (running BatchNorm
 * statistics) as in training mode (batch statistics). The old recipe (Adam at a constant 2e-3, running
 * averages kept as they are) is the control: there inference mode falls far behind, which shows that
 * this test sees the bug.
 */
class EvalModeGapTest {
    private static final int SIZE = 28, BATCH = 16;
    private static final TrainingRecipe OLD = new TrainingRecipe(TrainingRecipe.Optimizer.ADAM, 2e-3, 0.9, 0, 0,
            WarmupSchedule.Decay.CONSTANT, 1, 0.1, 0, 0);

    /** {training-mode, inference-mode} top-1 on the training images after training with the recipe. */
    private static double[] train(TrainingRecipe recipe, int epochs, int recalibrationBatches, Augmentation aug)
            throws Exception {
        ImageFolder folder = ImageFolder.open(digits(), 0.2, 1);
        ImagePreprocessing prep = ImagePreprocessing.plain(SIZE);
        ImageFolderIterator train = new ImageFolderIterator(folder.train(), folder.classes(), BATCH, prep, aug, true, 3);
        ImageFolderIterator trainView = ImageFolderIterator.forEvaluation(folder.train(), folder.classes(), BATCH, prep);
        ImageFolderIterator heldOut = ImageFolderIterator.forEvaluation(folder.heldOut(), folder.classes(), BATCH, prep);
        int iters = (folder.train().size() + BATCH - 1) / BATCH;
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(10).inputShape(3, SIZE, SIZE).seed(2)
                .updater(recipe.updater(iters, epochs)).regularization(recipe.regularization()).build().init();
        new Trainer(recipe).recalibrationBatches(recalibrationBatches).modeCheckBatches(0)
                .fit(g, train, heldOut, trainView, 1, epochs, null, r -> { });
        double inference = Trainer.evaluate(g, trainView).top1();
        // training mode: batch statistics of shuffled batches (as in training; a batch of one class would
        // normalise its class away) of 40, so that their noise stays small, on a copy so that the running
        // statistics stay as trained
        ComputationGraph t = g.clone();
        Evaluation ev = new Evaluation(10);
        ImageFolderIterator shuffled = new ImageFolderIterator(folder.train(), folder.classes(), 40, prep,
                Augmentation.NONE, true, 5);
        while (shuffled.hasNext()) {
            DataSet ds = shuffled.next();
            if (ds.numExamples() > 1) {
                ev.eval(ds.getLabels(), t.outputSingle(true, ds.getFeatures()));
            }
        }
        return new double[] {ev.accuracy(), inference};
    }

    private static Path digits() throws URISyntaxException {
        return Path.of(EvalModeGapTest.class.getResource("/digits600").toURI());
    }

    private static String figures(double[] f) {
        return String.format(Locale.ROOT, "training-mode %.3f, inference-mode %.3f on the 480 training images", f[0], f[1]);
    }

    @Test
    void withTheOldRecipeAndItsRunningAveragesInferenceModeFallsBehind() throws Exception {
        // one epoch: the running averages have had 8 updates. After 2 the gap depended on the thread count
        // (0.779 vs 0.560 with one, 0.767 vs 0.702 with two): too close to call; after 1 it is 0.61 vs 0.21 with either
        double[] f = train(OLD, 1, 0, Augmentation.NONE);
        assertTrue(f[0] > 0.45, "did not learn: " + figures(f));
        assertTrue(f[1] < f[0] - 0.2, "the control shows no gap, so this test cannot see the bug: " + figures(f));
    }

    @Test
    void recomputedStatisticsCloseTheGapOfTheOldRecipe() throws Exception {
        double[] f = train(OLD, 2, 50, Augmentation.NONE);
        assertTrue(f[0] > 0.6, "did not learn: " + figures(f));
        assertTrue(Math.abs(f[1] - f[0]) <= 0.05, "inference mode disagrees with training mode: " + figures(f));
    }

    @Test
    void theDefaultRecipeHasNoGap() throws Exception {
        double[] f = train(TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, BATCH), 5, 50, new Augmentation(0.6, 1, 0));
        assertTrue(f[0] > 0.6, "did not learn: " + figures(f));
        // population statistics may do a little better than a batch's; the bug was inference falling behind
        assertTrue(f[1] >= f[0] - 0.05 && f[1] <= f[0] + 0.08, "inference mode disagrees with training mode: "
                + figures(f));
    }
}
