package io.github.sknet.layer.conv;

import java.util.Arrays;

/**
 * Every size of one grouped 2D convolution call (NCHW, explicit symmetric padding). Immutable, and a
 * cache key for the oneDNN primitives built for it.
 */
public final class ConvGeometry {
    public final long n, inChannels, inH, inW, outChannels, outH, outW;
    public final int groups, kH, kW, sH, sW, pH, pW, dH, dW;

    public ConvGeometry(long n, long inChannels, long inH, long inW, long outChannels, int groups,
                        int[] kernel, int[] stride, int[] padding, int[] dilation) {
        this.n = n;
        this.inChannels = inChannels;
        this.inH = inH;
        this.inW = inW;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.sH = stride[0];
        this.sW = stride[1];
        this.pH = padding[0];
        this.pW = padding[1];
        this.dH = dilation[0];
        this.dW = dilation[1];
        this.outH = outputSize(inH, kH, sH, pH, dH);
        this.outW = outputSize(inW, kW, sW, pW, dW);
    }

    /** PyTorch's (and DL4J's Truncate mode) output size: floor((in + 2p - d(k-1) - 1) / s) + 1. */
    public static long outputSize(long in, int k, int s, int p, int d) {
        return Math.floorDiv(in + 2L * p - (long) d * (k - 1) - 1, s) + 1;
    }

    public long[] inputShape() {
        return new long[] {n, inChannels, inH, inW};
    }

    public long[] outputShape() {
        return new long[] {n, outChannels, outH, outW};
    }

    /** Weights as PyTorch stores them: [out, in / groups, kH, kW]. */
    public long[] weightShape() {
        return new long[] {outChannels, inChannels / groups, kH, kW};
    }

    /** The same convolution with the channels split into another number of groups. */
    public ConvGeometry withGroups(int newGroups) {
        return new ConvGeometry(n, inChannels, inH, inW, outChannels, newGroups, new int[] {kH, kW},
                new int[] {sH, sW}, new int[] {pH, pW}, new int[] {dH, dW});
    }

    /**
     * Where stride and dilation are equal ({@code d > 1} on both axes) the kernel reads only every d-th row
     * and column of the input, those at {@link #subsampleRow()} / {@link #subsampleColumn()}: the
     * convolution is then the undilated, stride-1 one of that subsampled input, padded by {@code (p + r) / d}
     * (the same sums of the same products). That convolution, or null where there is none.
     */
    public ConvGeometry subsampledEquivalent() {
        if (sH != dH || sW != dW || sH < 2 || sW < 2) {
            return null;
        }
        int rH = subsampleRow(), rW = subsampleColumn();
        if (inH <= rH || inW <= rW) {
            return null;
        }
        ConvGeometry sub = new ConvGeometry(n, inChannels, (inH - rH + sH - 1) / sH, (inW - rW + sW - 1) / sW,
                outChannels, groups, new int[] {kH, kW}, new int[] {1, 1}, new int[] {(pH + rH) / sH, (pW + rW) / sW},
                new int[] {1, 1});
        boolean rightPadding = sub.outH + sub.kH - 1 >= sub.inH + sub.pH && sub.outW + sub.kW - 1 >= sub.inW + sub.pW;
        return sub.outH == outH && sub.outW == outW && rightPadding ? sub : null;
    }

    /** The first input row a convolution whose stride equals its dilation reads: (-p) mod d. */
    public int subsampleRow() {
        return Math.floorMod(-pH, dH);
    }

    /** The first input column a convolution whose stride equals its dilation reads: (-p) mod d. */
    public int subsampleColumn() {
        return Math.floorMod(-pW, dW);
    }

    /** Multiply-adds of one forward call. */
    public long multiplyAdds() {
        return n * outChannels * outH * outW * (inChannels / groups) * kH * kW;
    }

    private long[] key() {
        return new long[] {n, inChannels, inH, inW, outChannels, groups, kH, kW, sH, sW, pH, pW, dH, dW};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvGeometry && Arrays.equals(key(), ((ConvGeometry) o).key());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key());
    }

    @Override
    public String toString() {
        return "conv[N=" + n + ", " + inChannels + "->" + outChannels + ", " + inH + "x" + inW + "->" + outH + "x"
                + outW + ", G=" + groups + ", k=" + kH + "x" + kW + ", s=" + sH + "x" + sW + ", p=" + pH + "x" + pW
                + ", d=" + dH + "x" + dW + "]";
    }
}
