package io.github.sknet.models;

import java.util.Arrays;
import java.util.Locale;

/**
 * The named SKNet variants and their defaults, timm-style: one row each. A new variant is a new row.
 * Stage table columns: input channels, middle (SKConv) channels, output channels, stride, units.
 */
public enum SKNetVariant {
    /** SPEC.md SKNet-26: SK bottleneck units [2, 2, 2, 2]. */
    SKNET26("sknet26", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(2, 2, 2, 2)),
    /** SPEC.md SKNet-50: [3, 4, 6, 3] (the paper's SKNet-50, 27.5M parameters). */
    SKNET50("sknet50", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(3, 4, 6, 3)),
    /** SPEC.md SKNet-101: [3, 4, 23, 3]. */
    SKNET101("sknet101", Block.BOTTLENECK, Stem.IMAGENET, 224, 1000, imagenetStages(3, 4, 23, 3)),
    /** Small images (CIFAR-sized): 3x3 stem, no max pool, half-width bottleneck stages. */
    SKNET_CIFAR("sknet_cifar", Block.BOTTLENECK, Stem.SMALL, 32, 10, new int[][] {
            {64, 64, 128, 1, 2}, {128, 128, 256, 2, 2}, {256, 256, 512, 2, 2}, {512, 512, 1024, 2, 2}}),
    /** SK-ResNet-18 style: basic blocks with an SKConv in place of the first 3x3. */
    SKRESNET18("skresnet18", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(2, 2, 2, 2)),
    /** SK-ResNet-34 style. */
    SKRESNET34("skresnet34", Block.BASIC, Stem.IMAGENET, 224, 1000, basicStages(3, 4, 6, 3)),
    /**
     * The small-image SKNet `sknet train` uses by default: narrow, so that it trains on 2 CPU cores in
     * minutes (about 0.02 G multiply-adds per 32x32 image, 1/10 of sknet_cifar).
     */
    SKNET_SMALL("sknet_small", Block.BOTTLENECK, Stem.SMALL, 32, 10, new int[][] {
            {32, 32, 64, 1, 1}, {64, 64, 128, 2, 1}, {128, 128, 256, 2, 1}});

    /** How a unit is built. */
    public enum Block { BOTTLENECK, BASIC }

    /** IMAGENET: 7x7/2 conv + 3x3/2 max pool; SMALL: 3x3/1 conv, no pooling. */
    public enum Stem { IMAGENET, SMALL }

    private final String id;
    private final Block block;
    private final Stem stem;
    private final int defaultSize;
    private final int defaultClasses;
    private final int[][] stages;

    SKNetVariant(String id, Block block, Stem stem, int defaultSize, int defaultClasses, int[][] stages) {
        this.id = id;
        this.block = block;
        this.stem = stem;
        this.defaultSize = defaultSize;
        this.defaultClasses = defaultClasses;
        this.stages = stages;
    }

    private static int[][] imagenetStages(int... units) {
        return new int[][] {{64, 128, 256, 1, units[0]}, {256, 256, 512, 2, units[1]},
                {512, 512, 1024, 2, units[2]}, {1024, 1024, 2048, 2, units[3]}};
    }

    private static int[][] basicStages(int... units) {
        return new int[][] {{64, 64, 64, 1, units[0]}, {64, 128, 128, 2, units[1]},
                {128, 256, 256, 2, units[2]}, {256, 512, 512, 2, units[3]}};
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

    /** Rows {in, mid, out, stride, units}; copies. */
    public int[][] stages() {
        int[][] out = new int[stages.length][];
        for (int i = 0; i < stages.length; i++) {
            out[i] = stages[i].clone();
        }
        return out;
    }

    public int stemChannels() {
        return stages[0][0];
    }

    public int features() {
        return stages[stages.length - 1][2];
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
