package io.github.sknet.models;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.github.sknet.layer.sk.SKConvConfig;

/**
 * The named SKNet variants and their defaults, timm-style: one row each. A new variant is a new row.
 * Stage table columns: input channels, middle (SKConv) channels, output channels, stride, units.
 */
public enum SKNetVariant {
    /** docs/reference.md SKNet-26: SK bottleneck units [2, 2, 2, 2]. */
    SKNET26("sknet26", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(2, 2, 2, 2)),
    /** docs/reference.md SKNet-50: [3, 4, 6, 3] (the paper's SKNet-50, 27.5M parameters). */
    SKNET50("sknet50", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(3, 4, 6, 3)),
    /** docs/reference.md SKNet-101: [3, 4, 23, 3]. */
    SKNET101("sknet101", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(3, 4, 23, 3)),
    /** Small images (CIFAR-sized): 3x3 stem, no max pool, half-width bottleneck stages. */
    SKNET_CIFAR("sknet_cifar", Block.BOTTLENECK, Stem.SMALL, 32, 10, List.of(
            new Stage(64, 64, 128, 1, 2), new Stage(128, 128, 256, 2, 2), new Stage(256, 256, 512, 2, 2),
            new Stage(512, 512, 1024, 2, 2))),
    /**
     * timm's skresnet18 (timm 1.0.29, 11,958,056 parameters at 1000 classes): basic blocks [2, 2, 2, 2]
     * whose first 3x3 is an SKConv with split input, groups 1, no select bias and
     * d = make_divisible(C / 8, 16).
     */
    SKRESNET18("skresnet18", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(2, 2, 2, 2), SK.TIMM_BASIC),
    /** timm's skresnet34: as skresnet18 with [3, 4, 6, 3] blocks (22,282,376 parameters). */
    SKRESNET34("skresnet34", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(3, 4, 6, 3), SK.TIMM_BASIC),
    /**
     * timm's skresnext50_32x4d (27,479,784 parameters): SKNet-50 with one bias-free d -> 2C select
     * projection and d = make_divisible(C / 16, 32) (equal to SKNet-50's max(C / 16, 32)).
     */
    SKRESNEXT50_32X4D("skresnext50_32x4d", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(3, 4, 6, 3),
            SK.TIMM_BOTTLENECK),
    /** The project's own basic-block SK-ResNet-18: docs/reference.md's SKConv (G = 32, per-branch select bias). */
    SKNET_BASIC18("sknet_basic18", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(2, 2, 2, 2)),
    /** The project's own basic-block SK-ResNet-34. */
    SKNET_BASIC34("sknet_basic34", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(3, 4, 6, 3)),
    /**
     * The small-image SKNet `sknet train` uses by default: narrow, so that it trains on 2 CPU cores in
     * minutes (about 0.02 G multiply-adds per 32x32 image, 1/10 of sknet_cifar).
     */
    SKNET_SMALL("sknet_small", Block.BOTTLENECK, Stem.SMALL, 32, 10, List.of(
            new Stage(32, 32, 64, 1, 1), new Stage(64, 64, 128, 2, 1), new Stage(128, 128, 256, 2, 1)));

    /** How a unit is built. */
    public enum Block { BOTTLENECK, BASIC }

    /** IMAGENET: 7x7/2 conv + 3x3/2 max pool; SMALL: 3x3/1 conv, no pooling. */
    public enum Stem { IMAGENET, SMALL }

    /**
     * The SKConv flavour: REFERENCE is docs/reference.md's (G = 32, d = max(C / 16, 32), per-branch select bias);
     * TIMM_BASIC is timm's skresnet18/34 (split input, G = 1, d = make_divisible(C / 8, 16), no select
     * bias); TIMM_BOTTLENECK is timm's skresnext50_32x4d (G = 32, d = make_divisible(C / 16, 32), no
     * select bias).
     */
    public enum SK { REFERENCE, TIMM_BASIC, TIMM_BOTTLENECK }

    private final String id;
    private final Block block;
    private final Stem stem;
    private final int defaultSize;
    private final int defaultClasses;
    private final List<Stage> stages;
    private final SK sk;

    SKNetVariant(String id, Block block, Stem stem, int defaultSize, int defaultClasses, List<Stage> stages) {
        this(id, block, stem, defaultSize, defaultClasses, stages, SK.REFERENCE);
    }

    SKNetVariant(String id, Block block, Stem stem, int defaultSize, int defaultClasses, List<Stage> stages, SK sk) {
        this.sk = sk;
        this.id = id;
        this.block = block;
        this.stem = stem;
        this.defaultSize = defaultSize;
        this.defaultClasses = defaultClasses;
        this.stages = stages;
    }

    private static List<Stage> imagenetStages(int... units) {
        return List.of(new Stage(64, 128, 256, 1, units[0]), new Stage(256, 256, 512, 2, units[1]),
                new Stage(512, 512, 1024, 2, units[2]), new Stage(1024, 1024, 2048, 2, units[3]));
    }

    /** Basic blocks have no inner width: mid = out. */
    private static List<Stage> basicStages(int... units) {
        return List.of(new Stage(64, 64, 64, 1, units[0]), new Stage(64, 128, 128, 2, units[1]),
                new Stage(128, 256, 256, 2, units[2]), new Stage(256, 512, 512, 2, units[3]));
    }

    public SK sk() {
        return sk;
    }

    /** Whether this is one of timm's networks (its state_dicts use timm's key names). */
    public boolean isTimm() {
        return sk != SK.REFERENCE;
    }

    /** The SKConv of a unit: {@code in} input channels, {@code channels} C, {@code stride}. */
    public SKConvConfig skConv(long in, long channels, int stride) {
        SKConvConfig.Builder b = SKConvConfig.builder(channels).inChannels(in).stride(stride);
        switch (sk) {
            case TIMM_BASIC:
                return b.groups(1).splitInput(true).selectBias(false).attentionWidth(makeDivisible(channels / 8.0, 16))
                        .build();
            case TIMM_BOTTLENECK:
                return b.groups(32).selectBias(false).attentionWidth(makeDivisible(channels / 16.0, 32)).build();
            default:
                return b.build();
        }
    }

    /** timm's make_divisible(v, divisor): nearest multiple of divisor, at least divisor, not below 0.9 v. */
    static int makeDivisible(double v, int divisor) {
        int n = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        return n < 0.9 * v ? n + divisor : n;
    }

    /** The name used on the command line and in files ("sknet50"). */
    public String id() {
        return id;
    }

    public Block block() {
        return block;
    }

    public Stem stem() {
        return stem;
    }

    public int defaultSize() {
        return defaultSize;
    }

    public int defaultClasses() {
        return defaultClasses;
    }

    public List<Stage> stages() {
        return stages;
    }

    public int stemChannels() {
        return stages.get(0).in();
    }

    public int features() {
        return stages.get(stages.size() - 1).out();
    }

    public static SKNetVariant byId(String id) {
        for (SKNetVariant v : values()) {
            if (v.id.equals(id.toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "'; known: "
                + Arrays.toString(Arrays.stream(values()).map(SKNetVariant::id).toArray()));
    }
}
