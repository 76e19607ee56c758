package io.github.sknet.models.train;

import java.util.Locale;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A per-iteration learning rate: a linear warm-up from {@code base / warmup} to {@code base} over the
 * first {@code warmup} iterations, then either a cosine decay to 0 at {@code total} iterations (timm's and
 * torchvision's default) or a step decay (times {@code gamma} every {@code stepEvery} iterations). The
 * iteration is DL4J's iteration count, which is saved with the model, so a resumed run continues the
 * schedule where it stopped.
 */
public final class WarmupSchedule implements ISchedule {
    /** What follows the warm-up. */
    public enum Decay { COSINE, STEP, CONSTANT }

    private final double base;
    private final int warmup;
    private final int total;
    private final Decay decay;
    private final int stepEvery;
    private final double gamma;

    public WarmupSchedule(@JsonProperty("base") double base, @JsonProperty("warmup") int warmup,
                          @JsonProperty("total") int total, @JsonProperty("decay") Decay decay,
                          @JsonProperty("stepEvery") int stepEvery, @JsonProperty("gamma") double gamma) {
        if (!(base > 0) || Double.isInfinite(base)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + base);
        }
        if (warmup < 0 || total < 1) {
            throw new IllegalArgumentException("warm-up iterations must be >= 0 and total >= 1, got " + warmup + ", " + total);
        }
        if (decay == Decay.STEP && (stepEvery < 1 || !(gamma > 0 && gamma <= 1))) {
            throw new IllegalArgumentException("step decay needs stepEvery >= 1 and gamma in (0, 1], got " + stepEvery
                    + ", " + gamma);
        }
        this.base = base;
        this.warmup = warmup;
        this.total = total;
        this.decay = decay;
        this.stepEvery = stepEvery;
        this.gamma = gamma;
    }

    public static WarmupSchedule cosine(double base, int warmup, int total) {
        return new WarmupSchedule(base, warmup, total, Decay.COSINE, 1, 1);
    }

    public static WarmupSchedule step(double base, int warmup, int total, int stepEvery, double gamma) {
        return new WarmupSchedule(base, warmup, total, Decay.STEP, stepEvery, gamma);
    }

    public static WarmupSchedule constant(double base, int warmup, int total) {
        return new WarmupSchedule(base, warmup, total, Decay.CONSTANT, 1, 1);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmup) {
            return base * (iteration + 1) / warmup;
        }
        int t = iteration - warmup;
        switch (decay) {
            case COSINE:
                double span = Math.max(1, total - warmup);
                return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(t, span) / span));
            case STEP:
                return base * Math.pow(gamma, t / stepEvery);
            default:
                return base;
        }
    }

    @Override
    public ISchedule clone() {
        return new WarmupSchedule(base, warmup, total, decay, stepEvery, gamma);
    }

    @JsonProperty("base")
    public double base() {
        return base;
    }

    @JsonProperty("warmup")
    public int warmup() {
        return warmup;
    }

    @JsonProperty("total")
    public int total() {
        return total;
    }

    @JsonProperty("decay")
    public Decay decay() {
        return decay;
    }

    @JsonProperty("stepEvery")
    public int stepEvery() {
        return stepEvery;
    }

    @JsonProperty("gamma")
    public double gamma() {
        return gamma;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupSchedule && toString().equals(o.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "WarmupSchedule(base=%s, warmup=%d, total=%d, decay=%s, stepEvery=%d, gamma=%s)",
                base, warmup, total, decay, stepEvery, gamma);
    }
}
