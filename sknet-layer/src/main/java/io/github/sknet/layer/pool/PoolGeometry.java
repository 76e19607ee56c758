package io.github.sknet.layer.pool;

import java.util.Arrays;

import io.github.sknet.layer.conv.ConvGeometry;

/**
 * Every size of one 2D max pooling call (NCHW, explicit symmetric padding, no dilation). A cache key
 * for the oneDNN primitives built for it.
 */
public record PoolGeometry(long n, long channels, long inH, long inW, int kH, int kW, int sH, int sW, int pH, int pW) {

    /** PyTorch's (and DL4J's Truncate mode) output height: floor((inH + 2pH - kH) / sH) + 1. */
    public long outH() {
        return ConvGeometry.outputSize(inH, kH, sH, pH, 1);
    }

    public long outW() {
        return ConvGeometry.outputSize(inW, kW, sW, pW, 1);
    }

    /**
     * The padding after the last row: what the last window reaches past the input, at most {@code pH};
     * negative where the last rows are in no window.
     */
    public long padBottom() {
        return (outH() - 1) * sH + kH - inH - pH;
    }

    public long padRight() {
        return (outW() - 1) * sW + kW - inW - pW;
    }

    public long[] inputShape() {
        return new long[] {n, channels, inH, inW};
    }

    public long[] outputShape() {
        return new long[] {n, channels, outH(), outW()};
    }

    // Written out: a record's generated equals, hashCode and toString bootstrap through invokedynamic on
    // first use, 35-42 ms of a new process (timed alone), which would land on a model's first pass.

    private long[] key() {
        return new long[] {n, channels, inH, inW, kH, kW, sH, sW, pH, pW};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolGeometry && Arrays.equals(key(), ((PoolGeometry) o).key());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key());
    }

    @Override
    public String toString() {
        return "maxpool[N=" + n + ", C=" + channels + ", " + inH + "x" + inW + "->" + outH() + "x" + outW() + ", k="
                + kH + "x" + kW + ", s=" + sH + "x" + sW + ", p=" + pH + "x" + pW + "]";
    }
}
