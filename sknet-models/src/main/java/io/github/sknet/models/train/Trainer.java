package io.github.sknet.models.train;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.graph.WorkspaceLearning;
import io.github.sknet.layer.norm.BatchNormRecalibration;
import io.github.sknet.models.data.ImageFolderIterator;

/**
 * The training loop behind {@code sknet train}, for any SKNet graph whose updater came from a
 * {@link TrainingRecipe}: epochs of mini-batch steps (labels smoothed as the recipe says; image-folder
 * batches decoded on a background thread), a stop with a clear message as soon as the loss is not
 * finite, then BatchNorm statistics recomputed for the epoch's final weights
 * ({@link BatchNormRecalibration}) and a held-out evaluation (top-1, top-5, loss).
 */
public final class Trainer {
    /** Progress within an epoch. */
    public interface StepListener {
        void onStep(int epoch, int images, double meanLoss);
    }

    /** What an epoch ended with; the listener saves checkpoints, metrics and plots. */
    public interface EpochListener {
        void onEpoch(EpochResult result) throws IOException;
    }

    /** Thrown when a step's loss is NaN or infinite. */
    public static final class DivergedException extends RuntimeException {
        public DivergedException(String message) {
            super(message);
        }
    }

    /**
     * One epoch's figures.
     *
     * @param trainLoss    mean training loss of the epoch's steps (training mode, smoothed labels, without
     *                     the weight-decay penalty)
     * @param learningRate learning rate of the epoch's last step
     * @param trainImagesInferenceTop1    top-1 on training images (evaluation view) in inference mode, or NaN
     * @param trainImagesTrainingModeTop1 the same images in training mode (batch statistics), or NaN: a gap
     *                                    between the two means the running statistics do not describe the weights
     */
    public record EpochResult(int epoch, double trainLoss, double learningRate, double heldOutTop1,
                              double heldOutTop5, double heldOutLoss, double seconds, double imagesPerSecond,
                              double trainImagesInferenceTop1, double trainImagesTrainingModeTop1) {
    }

    /** Held-out figures of {@link #evaluate}. */
    public record Evaluated(double top1, double top5, double loss, Evaluation evaluation) {
    }

    private final TrainingRecipe recipe;
    private boolean background = true;
    private int recalibrationBatches = 50;
    private int modeCheckBatches = 10;

    public Trainer(TrainingRecipe recipe) {
        this.recipe = Objects.requireNonNull(recipe, "recipe");
    }

    /** Decode image-folder batches on a background thread (default on). */
    public Trainer background(boolean on) {
        this.background = on;
        return this;
    }

    /** Batches over which BatchNorm statistics are recomputed after each epoch; 0 keeps the running averages. */
    public Trainer recalibrationBatches(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("recalibration batches must be >= 0, got " + n);
        }
        this.recalibrationBatches = n;
        return this;
    }

    /**
     * Batches of training images on which, after each epoch, inference-mode and training-mode accuracy are
     * compared ({@link EpochResult#trainImagesInferenceTop1()}); 0: no check.
     */
    public Trainer modeCheckBatches(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("mode-check batches must be >= 0, got " + n);
        }
        this.modeCheckBatches = n;
        return this;
    }

    /**
     * {inference-mode top-1, training-mode top-1} of {@code g} on up to {@code n} batches of {@code data}.
     * The training-mode passes update the running statistics; they are put back afterwards.
     */
    public static double[] modeCheck(ComputationGraph g, DataSetIterator data, int n) {
        INDArray params = g.params().dup();
        Evaluation inference = new Evaluation(), training = new Evaluation();
        try {
            data.reset();
            for (int k = 0; k < n && data.hasNext(); k++) {
                DataSet ds = data.next();
                if (ds.numExamples() < 2) {
                    continue;
                }
                inference.eval(ds.getLabels(), g.outputSingle(false, ds.getFeatures()));
                training.eval(ds.getLabels(), g.outputSingle(true, ds.getFeatures()));
            }
        } finally {
            g.setParams(params);
            data.reset();
        }
        return new double[] {inference.accuracy(), training.accuracy()};
    }

    /**
     * Trains epochs {@code firstEpoch..lastEpoch} (from 1). The graph's workspaces are sized after its
     * first step ({@link WorkspaceLearning#settleAfterOnePass}; DL4J's own learning: ~6 slower steps for SKNet-50).
     *
     * @param recalibration un-augmented training batches for {@link BatchNormRecalibration}, or null
     */
    public void fit(ComputationGraph g, DataSetIterator train, DataSetIterator heldOut, DataSetIterator recalibration,
                    int firstEpoch, int lastEpoch, StepListener steps, EpochListener epochs) throws IOException {
        WorkspaceLearning.settleAfterOnePass(g);
        for (int e = firstEpoch; e <= lastEpoch; e++) {
            long t0 = System.nanoTime();
            DataSetIterator it = epochIterator(train, e);
            double lossSum = 0;
            int batches = 0, images = 0;
            try {
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    smooth(ds.getLabels());
                    int iteration = g.getConfiguration().getIterationCount();
                    g.fit(ds);
                    // DL4J's score adds the L2 penalty; report the data loss, as PyTorch does
                    double loss = g.score() - g.calcRegularizationScore(true);
                    if (!Double.isFinite(loss)) {
                        throw new DivergedException(String.format(Locale.ROOT, "training diverged: the loss is %s at "
                                + "epoch %d, step %d (iteration %d, learning rate %.4g); lower the learning rate (--lr) "
                                + "or clip gradients (--clip-grad)", loss, e, batches + 1, iteration,
                                learningRate(g, iteration, e)));
                    }
                    lossSum += loss;
                    batches++;
                    images += ds.numExamples();
                    if (steps != null) {
                        steps.onStep(e, ds.numExamples(), lossSum / batches);
                    }
                }
            } finally {
                if (it instanceof AsyncDataSetIterator a) {
                    a.shutdown();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (recalibration != null && recalibrationBatches > 0) {
                BatchNormRecalibration.recalibrate(g, recalibration, recalibrationBatches);
            }
            double[] modes = recalibration != null && modeCheckBatches > 0
                    ? modeCheck(g, recalibration, modeCheckBatches) : new double[] {Double.NaN, Double.NaN};
            Evaluated ev = evaluate(g, heldOut);
            double lr = learningRate(g, Math.max(0, g.getConfiguration().getIterationCount() - 1), e);
            epochs.onEpoch(new EpochResult(e, lossSum / Math.max(1, batches), lr, ev.top1(), ev.top5(), ev.loss(), seconds,
                    images / seconds, modes[0], modes[1]));
        }
    }

    /** The learning rate the graph's own updater uses at an iteration (a resumed graph keeps its checkpoint's schedule). */
    private static double learningRate(ComputationGraph g, int iteration, int epoch) {
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (l.conf().getLayer() instanceof BaseLayer b && b.getIUpdater() != null && l.numParams() > 0) {
                return b.getIUpdater().getLearningRate(iteration, epoch - 1);
            }
        }
        return Double.NaN;
    }

    private DataSetIterator epochIterator(DataSetIterator train, int epoch) {
        if (train instanceof ImageFolderIterator f) {
            f.startEpoch(epoch);
            return background ? new AsyncDataSetIterator(f, 4, false) : f;
        }
        train.reset();
        return train;
    }

    /** Label smoothing: y = (1 - eps) y + eps / K, the same loss as PyTorch's CrossEntropyLoss(label_smoothing=eps). */
    private void smooth(INDArray labels) {
        double eps = recipe.labelSmoothing();
        if (eps > 0) {
            labels.muli(1 - eps).addi(eps / labels.size(1));
        }
    }

    /**
     * Top-1, top-5 and mean cross-entropy of {@code g} in inference mode. Top-5 counts a hit only where
     * fewer than 5 other classes score at least the true class's probability, so probabilities tied at 0
     * (a very confident model over many classes) are never counted as hits.
     */
    public static Evaluated evaluate(ComputationGraph g, DataSetIterator data) {
        data.reset();
        Evaluation ev = null;
        double lossSum = 0;
        long n = 0, top5 = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            INDArray p = g.outputSingle(false, ds.getFeatures());
            if (ev == null) {
                List<String> names = data.getLabels();
                if (names == null || names.size() != p.size(1)) {
                    names = IntStream.range(0, (int) p.size(1)).mapToObj(String::valueOf).toList();
                }
                ev = new Evaluation(names);
            }
            ev.eval(ds.getLabels(), p);
            lossSum -= Transforms.log(p.add(1e-12), false).mul(ds.getLabels()).sumNumber().doubleValue();
            double[][] prob = p.toDoubleMatrix();
            int[] truth = ds.getLabels().argMax(1).toIntVector();
            for (int i = 0; i < prob.length; i++) {
                int atLeast = 0;
                for (int c = 0; c < prob[i].length; c++) {
                    if (c != truth[i] && prob[i][c] >= prob[i][truth[i]]) {
                        atLeast++;
                    }
                }
                top5 += atLeast < 5 ? 1 : 0;
            }
            n += ds.numExamples();
        }
        data.reset();
        if (ev == null) {
            throw new IllegalArgumentException("no held-out images to evaluate");
        }
        return new Evaluated(ev.accuracy(), (double) top5 / n, lossSum / n, ev);
    }
}
