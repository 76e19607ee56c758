package io.github.sknet.layer.sk;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Hyper-parameters of one SKConv (docs/reference.md): {@code channels} C, {@code branches} M, {@code groups} G,
 * {@code reduction} r, {@code minWidth} L, {@code stride}; attention width
 * {@code d = max(floor(C / r), L)} unless set explicitly. Branch {@code i} has kernel {@code kernels[i]}
 * (default 3, 5, 7, ...), realised as a 3x3 with dilation {@code (k - 1) / 2} (default, the reference)
 * or as a true k x k. The select step is per-branch projections with bias (reference) or one bias-free
 * {@code d -> M*C} projection (the authors' Caffe model). {@code splitInput} feeds each branch an equal
 * slice of the input channels (timm).
 */
public final class SKConvConfig implements Serializable {
    private final long inChannels;
    private final long channels;
    private final int branches;
    private final int groups;
    private final double reduction;
    private final int minWidth;
    private final int attentionWidth;
    private final int stride;
    private final int[] kernels;
    private final boolean dilatedKernels;
    private final boolean selectBias;
    private final boolean splitInput;
    private final double bnEps;
    private final double bnMomentum;

    private SKConvConfig(Builder b) {
        this.channels = b.channels;
        this.inChannels = b.inChannels > 0 ? b.inChannels : b.channels;
        this.branches = b.branches;
        this.groups = b.groups;
        this.reduction = b.reduction;
        this.minWidth = b.minWidth;
        this.attentionWidth = b.attentionWidth;
        this.stride = b.stride;
        this.kernels = b.kernels != null ? b.kernels.clone() : defaultKernels(b.branches);
        this.dilatedKernels = b.dilatedKernels;
        this.selectBias = b.selectBias;
        this.splitInput = b.splitInput;
        this.bnEps = b.bnEps;
        this.bnMomentum = b.bnMomentum;
    }

    private static int[] defaultKernels(int m) {
        int[] k = new int[Math.max(m, 0)];
        for (int i = 0; i < k.length; i++) {
            k[i] = 3 + 2 * i;
        }
        return k;
    }

    /** Throws IllegalArgumentException naming {@code who} and the argument if anything is out of range. */
    void validate(String who) {
        require(channels >= 1, who, "channels (C) must be >= 1, got " + channels);
        require(branches >= 1, who, "branches (M) must be >= 1, got " + branches);
        require(groups >= 1, who, "groups (G) must be >= 1, got " + groups);
        require(channels % groups == 0, who, "channels (C=" + channels + ") must be divisible by groups (G=" + groups + ")");
        require(reduction > 0, who, "reduction (r) must be > 0, got " + reduction);
        require(minWidth >= 1, who, "minWidth (L) must be >= 1, got " + minWidth);
        require(attentionWidth >= 0, who, "attentionWidth must be >= 1 (or 0 for max(C/r, L)), got " + attentionWidth);
        require(stride >= 1, who, "stride must be >= 1, got " + stride);
        require(kernels.length == branches, who, "kernels has " + kernels.length + " entries " + Arrays.toString(kernels)
                + " but there are " + branches + " branches (M)");
        for (int k : kernels) {
            require(k >= 1 && k % 2 == 1, who, "kernel sizes must be odd and >= 1, got " + Arrays.toString(kernels));
            require(!dilatedKernels || k >= 3, who, "a dilated 3x3 branch needs kernel size >= 3, got "
                    + Arrays.toString(kernels) + " (use trueKernels() for 1x1)");
        }
        long branchIn = branchInChannels();
        require(!splitInput || inChannels % branches == 0, who, "with splitInput, input channels (" + inChannels
                + ") must be divisible by branches (M=" + branches + ")");
        require(branchIn % groups == 0, who, "branch input channels (" + branchIn + ") must be divisible by groups (G="
                + groups + ")");
        require(bnEps > 0, who, "bnEps must be > 0, got " + bnEps);
        require(bnMomentum >= 0 && bnMomentum <= 1, who, "bnMomentum must be in [0, 1], got " + bnMomentum);
    }

    private static void require(boolean ok, String who, String message) {
        if (!ok) {
            throw new IllegalArgumentException(who + ": " + message);
        }
    }

    /** d = max(floor(C / r), L), or the explicit attention width. */
    public int attentionWidth() {
        return attentionWidth > 0 ? attentionWidth : (int) Math.max((long) Math.floor(channels / reduction), minWidth);
    }

    public long branchInChannels() {
        return splitInput ? inChannels / branches : inChannels;
    }

    /** Branch i's convolution kernel size (3 when dilated). */
    public int kernelSize(int branch) {
        return dilatedKernels ? 3 : kernels[branch];
    }

    public int dilation(int branch) {
        return dilatedKernels ? (kernels[branch] - 1) / 2 : 1;
    }

    public int padding(int branch) {
        return (kernels[branch] - 1) / 2;
    }

    public long inChannels() {
        return inChannels;
    }

    public long channels() {
        return channels;
    }

    public int branches() {
        return branches;
    }

    public int groups() {
        return groups;
    }

    public double reduction() {
        return reduction;
    }

    public int minWidth() {
        return minWidth;
    }

    public int stride() {
        return stride;
    }

    public int[] kernels() {
        return kernels.clone();
    }

    public boolean dilatedKernels() {
        return dilatedKernels;
    }

    public boolean selectBias() {
        return selectBias;
    }

    public boolean splitInput() {
        return splitInput;
    }

    public double bnEps() {
        return bnEps;
    }

    public double bnMomentum() {
        return bnMomentum;
    }

    public static Builder builder(long channels) {
        return new Builder().channels(channels);
    }

    @Override
    public String toString() {
        return "SKConv[C=" + channels + (inChannels != channels ? ", in=" + inChannels : "") + ", M=" + branches
                + ", G=" + groups + ", d=" + attentionWidth() + ", stride=" + stride + ", kernels="
                + Arrays.toString(kernels) + (dilatedKernels ? " (dilated 3x3)" : "") + (selectBias ? "" : ", no select bias")
                + (splitInput ? ", split input" : "") + "]";
    }

    public static final class Builder {
        private long inChannels;
        private long channels;
        private int branches = 2;
        private int groups = 32;
        private double reduction = 16;
        private int minWidth = 32;
        private int attentionWidth;
        private int stride = 1;
        private int[] kernels;
        private boolean dilatedKernels = true;
        private boolean selectBias = true;
        private boolean splitInput;
        private double bnEps = 1e-5;
        private double bnMomentum = 0.1;

        /** Output channels C. */
        public Builder channels(long c) {
            this.channels = c;
            return this;
        }

        /** Input channels; defaults to C. Needed only when they differ or with splitInput. */
        public Builder inChannels(long c) {
            this.inChannels = c;
            return this;
        }

        /** M, the number of branches (2). */
        public Builder branches(int m) {
            this.branches = m;
            return this;
        }

        /** G, the convolution groups (32). */
        public Builder groups(int g) {
            this.groups = g;
            return this;
        }

        /** r, the reduction ratio for d (16). */
        public Builder reduction(double r) {
            this.reduction = r;
            return this;
        }

        /** L, the smallest attention width (32). */
        public Builder minWidth(int l) {
            this.minWidth = l;
            return this;
        }

        /** d, overriding max(C / r, L) (timm uses make_divisible(C / 16, 8)). */
        public Builder attentionWidth(int d) {
            this.attentionWidth = d;
            return this;
        }

        public Builder stride(int s) {
            this.stride = s;
            return this;
        }

        /** One odd kernel size per branch (default 3, 5, 7, ...). */
        public Builder kernels(int... k) {
            this.kernels = k;
            return this;
        }

        /** Kernels as dilated 3x3 convolutions (the default, the reference). */
        public Builder dilatedKernels() {
            this.dilatedKernels = true;
            return this;
        }

        /** Kernels as true k x k convolutions. */
        public Builder trueKernels() {
            this.dilatedKernels = false;
            return this;
        }

        /** false: one bias-free d -> M*C select projection (the authors' Caffe SKNet, timm). */
        public Builder selectBias(boolean bias) {
            this.selectBias = bias;
            return this;
        }

        /** Each branch sees 1/M of the input channels (timm's split_input). */
        public Builder splitInput(boolean split) {
            this.splitInput = split;
            return this;
        }

        public Builder bnEps(double eps) {
            this.bnEps = eps;
            return this;
        }

        public Builder bnMomentum(double momentum) {
            this.bnMomentum = momentum;
            return this;
        }

        public SKConvConfig build() {
            SKConvConfig c = new SKConvConfig(this);
            c.validate("SKConvConfig");
            return c;
        }
    }
}
