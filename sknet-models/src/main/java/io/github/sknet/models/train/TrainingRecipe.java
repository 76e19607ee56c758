package io.github.sknet.models.train;

import java.util.List;
import java.util.Locale;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * How a network is trained: optimiser, learning-rate schedule, weight decay, label smoothing, gradient
 * clipping. Weight decay applies to convolution and dense weights only, never to BatchNorm parameters or
 * biases (as timm and torchvision train). The defaults, SGD with Nesterov momentum 0.9, learning rate
 * 0.2 scaled by batch/64 (a tenth of it for fine-tuning: {@link #forFineTuning()}), one epoch of linear warm-up then cosine decay, weight decay 5e-4 and label
 * smoothing 0.1, train an SKNet on a few thousand images without tuning (measured on a folder of digit
 * photos: README, Training on your images).
 *
 * @param optimizer      SGD (Nesterov momentum), ADAMW (Adam with decoupled weight decay) or ADAM (L2 in the gradient)
 * @param learningRate   peak learning rate, after warm-up
 * @param momentum       SGD momentum
 * @param weightDecay    weight decay of conv and dense weights (0: none)
 * @param warmupEpochs   epochs of linear warm-up (may be fractional)
 * @param decay          what follows the warm-up
 * @param stepEpochs     step decay: epochs between steps
 * @param stepGamma      step decay: factor per step
 * @param labelSmoothing label smoothing epsilon in [0, 1)
 * @param clipGradient   L2 norm each layer's gradient is clipped to (0: off)
 */
public record TrainingRecipe(Optimizer optimizer, double learningRate, double momentum, double weightDecay,
                             double warmupEpochs, WarmupSchedule.Decay decay, double stepEpochs, double stepGamma,
                             double labelSmoothing, double clipGradient) {
    /** The optimisers. */
    public enum Optimizer {
        SGD, ADAMW, ADAM;

        public static Optimizer byName(String name) {
            for (Optimizer o : values()) {
                if (o.name().equalsIgnoreCase(name)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("optimizer must be sgd, adamw or adam, got '" + name + "'");
        }

        /** The peak learning rate used when none is given, for mini-batches of {@code batch}. */
        public double defaultLearningRate(int batch) {
            return this == SGD ? 0.2 * batch / 64 : 1e-3 * batch / 64;
        }

        public double defaultWeightDecay() {
            return this == SGD ? 5e-4 : this == ADAMW ? 0.05 : 0;
        }
    }

    public TrainingRecipe {
        check(learningRate > 0 && !Double.isInfinite(learningRate), "learning rate must be > 0, got " + learningRate);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        check(weightDecay >= 0 && !Double.isInfinite(weightDecay), "weight decay must be >= 0, got " + weightDecay);
        check(warmupEpochs >= 0 && !Double.isInfinite(warmupEpochs), "warm-up epochs must be >= 0, got " + warmupEpochs);
        check(decay != WarmupSchedule.Decay.STEP || stepEpochs > 0, "step decay needs step epochs > 0, got " + stepEpochs);
        check(stepGamma > 0 && stepGamma <= 1, "step gamma must be in (0, 1], got " + stepGamma);
        check(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1), got " + labelSmoothing);
        check(clipGradient >= 0 && !Double.isInfinite(clipGradient), "gradient clipping must be >= 0, got " + clipGradient);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The default recipe for an optimiser at a batch size. */
    public static TrainingRecipe defaults(Optimizer o, int batch) {
        return new TrainingRecipe(o, o.defaultLearningRate(batch), 0.9, o.defaultWeightDecay(), 1,
                WarmupSchedule.Decay.COSINE, 30, 0.1, 0.1, 0);
    }

    /** The same recipe at a tenth of the learning rate: what fine-tuning a trained trunk wants. */
    public TrainingRecipe forFineTuning() {
        return withLearningRate(learningRate / 10);
    }

    public TrainingRecipe withLearningRate(double lr) {
        return new TrainingRecipe(optimizer, lr, momentum, weightDecay, warmupEpochs, decay, stepEpochs, stepGamma,
                labelSmoothing, clipGradient);
    }

    /** The per-iteration learning rate for a run of {@code epochs} epochs of {@code itersPerEpoch} steps. */
    public WarmupSchedule schedule(int itersPerEpoch, int epochs) {
        int total = Math.max(1, itersPerEpoch * epochs);
        int warmup = (int) Math.round(warmupEpochs * itersPerEpoch);
        return new WarmupSchedule(learningRate, Math.min(warmup, total), total, decay,
                Math.max(1, (int) Math.round(stepEpochs * itersPerEpoch)), stepGamma);
    }

    public IUpdater updater(int itersPerEpoch, int epochs) {
        WarmupSchedule s = schedule(itersPerEpoch, epochs);
        return optimizer == Optimizer.SGD ? new Nesterovs(s, momentum) : new Adam(s);
    }

    /** The weights' regularisation: L2 in the gradient (SGD, Adam), decoupled decay scaled by the learning rate (AdamW). */
    public List<Regularization> regularization() {
        if (weightDecay == 0) {
            return List.of();
        }
        return List.of(optimizer == Optimizer.ADAMW ? new WeightDecay(weightDecay, true) : new L2Regularization(weightDecay));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s lr %.4g%s, weight decay %.3g, %s epoch warm-up then %s, label smoothing %.2f%s",
                optimizer.name().toLowerCase(Locale.ROOT), learningRate,
                optimizer == Optimizer.SGD ? " (Nesterov momentum " + momentum + ")" : "", weightDecay,
                fmt(warmupEpochs), decay == WarmupSchedule.Decay.STEP ? "x" + stepGamma + " every " + fmt(stepEpochs)
                        + " epochs" : decay.name().toLowerCase(Locale.ROOT), labelSmoothing,
                clipGradient > 0 ? ", gradients clipped to L2 " + clipGradient + " per layer" : "");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
