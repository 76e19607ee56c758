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
