package io.github.sknet.models.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.Augmentation;
import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.TestImages;

/**
 * The regression test of the eval-mode gap: trained on an image folder with the default recipe, the
 * network must classify its own training images as well in inference mode (running BatchNorm
 * statistics) as in training mode (batch statistics).
 */
class EvalModeGapTest {
    @TempDir
    Path dir;

    @Test
    void inferenceModeAccuracyOnTheTrainingImagesMatchesTrainingMode() throws Exception {
        int size = 24, batch = 16, epochs = 5;
        ImageFolder folder = ImageFolder.open(TestImages.photoFolder(dir, 32, new int[] {50, 50, 50}, 11), 0.2, 1);
        ImagePreprocessing prep = ImagePreprocessing.plain(size);
        ImageFolderIterator train = new ImageFolderIterator(folder.train(), folder.classes(), batch, prep,
                new Augmentation(0.5, 1, 0.5), true, 3);
        ImageFolderIterator trainView = ImageFolderIterator.forEvaluation(folder.train(), folder.classes(), batch, prep);
        ImageFolderIterator heldOut = ImageFolderIterator.forEvaluation(folder.heldOut(), folder.classes(), batch, prep);
        TrainingRecipe recipe = TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, batch);
        int iters = (folder.train().size() + batch - 1) / batch;
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(3).inputShape(3, size, size).seed(2)
                .updater(recipe.updater(iters, epochs)).regularization(recipe.regularization()).build().init();
        List<Trainer.EpochResult> results = new ArrayList<>();
        new Trainer(recipe).fit(g, train, heldOut, trainView, 1, epochs, null, results::add);

        double eval = Trainer.evaluate(g, trainView).top1();
        // training mode: batch statistics of shuffled batches (as in training; a batch of one class would
        // normalise its class away) of 40, so that their noise stays small, on a copy so that the running
        // statistics stay as trained
        ComputationGraph t = g.clone();
        Evaluation ev = new Evaluation(3);
        ImageFolderIterator shuffled = new ImageFolderIterator(folder.train(), folder.classes(), 40, prep,
                Augmentation.NONE, true, 5);
        while (shuffled.hasNext()) {
            DataSet ds = shuffled.next();
            if (ds.numExamples() > 1) {
                ev.eval(ds.getLabels(), t.outputSingle(true, ds.getFeatures()));
            }
        }
        double training = ev.accuracy();
        String figures = String.format("training-mode %.3f, inference-mode %.3f on the %d training images; per epoch %s",
                training, eval, folder.train().size(), results);
        assertTrue(training > 0.7, "did not learn: " + figures);
        // the bug was inference mode falling behind; population statistics may do a little better than a
        // batch's
        assertTrue(eval >= training - 0.05, "inference mode falls behind training mode: " + figures);
        assertTrue(Math.abs(eval - training) <= 0.08, "inference mode disagrees with training mode: " + figures);
        assertTrue(results.get(epochs - 1).heldOutTop1() > 0.6, figures);
    }
}
