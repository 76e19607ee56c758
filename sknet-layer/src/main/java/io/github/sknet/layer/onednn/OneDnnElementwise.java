package io.github.sknet.layer.onednn;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One-pass elementwise work on plain NCHW arrays through oneDNN's binary (with post-ops) and eltwise
 * primitives: what took ND4J two or three passes (and a temporary) - residual add + ReLU, per-channel
 * scale + shift + ReLU, attention-weighted sums - reads each input once and writes the output once.
 *
 * <p>Every method returns false, doing nothing, where oneDNN cannot take the arrays (not float32, not
 * dense, oneDNN not loaded) or offers only its slow reference kernel for them; callers then use ND4J.
 */
public final class OneDnnElementwise {
    private static final int MULTIPLE_POST_OP_BASE = 16384; // DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE
    /** Null values: oneDNN has only its reference kernel for that key. */
    private static final PrimitiveCache<Key, Primitive> CACHE = new PrimitiveCache<>(256);

    private OneDnnElementwise() {
    }

    /** {@code y = a + b}, then ReLU if asked; all three the same shape. */
    public static boolean add(INDArray a, INDArray b, boolean relu, INDArray y) {
        if (!fit(a, b, y) || !a.equalShapes(b) || !a.equalShapes(y)) {
            return false;
        }
        long[] flat = {1, a.length()};
        Primitive p = primitive(new Key(Kind.ADD, flat, relu, false));
        return p != null && run(p, a, b, y, null);
    }

    /**
     * {@code y = x * scale[c] + shift[c]}, then ReLU if asked: batch normalisation with known statistics.
     * x and y [N, C, H, W]; scale and shift hold C values. Declines maps of one pixel in a batch of more
     * than one: there oneDNN 2.5's per-channel post-op addition gave wrong values (SKNet-50's last stage at
     * 32x32 input, batch 2: errors up to 6.8; {@code OneDnnElementwiseTest}).
     */
    public static boolean scaleShift(INDArray x, INDArray scale, INDArray shift, boolean relu, INDArray y) {
        if (x.rank() != 4 || !fit(x, scale, shift, y) || !x.equalShapes(y) || scale.length() != x.size(1)
                || shift.length() != x.size(1) || x.size(0) > 1 && x.size(2) * x.size(3) == 1) {
            return false;
        }
        Primitive p = primitive(new Key(Kind.SCALE_SHIFT, x.shape(), relu, false));
        return p != null && run(p, x, scale, y, shift);
    }

    /** {@code y = x + bias[c]}, then ReLU if asked: x and y [N, C, H, W] (y may be x), bias C values. */
    public static boolean addPerChannel(INDArray x, INDArray bias, boolean relu, INDArray y) {
        if (x.rank() != 4 || !fit(x, bias, y) || !x.equalShapes(y) || bias.length() != x.size(1)) {
            return false;
        }
        Primitive p = primitive(new Key(Kind.ADD_PER_CHANNEL, x.shape(), relu, false));
        return p != null && run(p, x, bias, y, null);
    }

    /**
     * {@code y = u * a[n, c]} broadcast over H and W, plus the old {@code y} if {@code accumulate}:
     * u and y [N, C, H, W], a [N, C].
     */
    public static boolean scalePerSample(INDArray u, INDArray a, boolean accumulate, INDArray y) {
        if (u.rank() != 4 || !fit(u, a, y) || !u.equalShapes(y) || a.length() != u.size(0) * u.size(1)) {
            return false;
        }
        // one "channel" per (sample, channel) pair: the per-channel broadcast oneDNN has a fast kernel for
        long[] asChannels = {1, u.size(0) * u.size(1), u.size(2), u.size(3)};
        Primitive p = primitive(new Key(Kind.SCALE, asChannels, false, accumulate));
        return p != null && run(p, u, a, y, null);
    }

    /** {@code dx = dy * (y > 0)}: ReLU's gradient from its output y; all three the same shape. */
    public static boolean reluBackward(INDArray y, INDArray dy, INDArray dx) {
        if (!fit(y, dy, dx) || !y.equalShapes(dy) || !y.equalShapes(dx)) {
            return false;
        }
        long[] flat = {1, y.length()};
        Primitive p = primitive(new Key(Kind.RELU_BACKWARD, flat, false, false));
        return p != null && execute(p, args -> args
                .put(dnnl.DNNL_ARG_DST, p.src0, y)
                .put(dnnl.DNNL_ARG_DIFF_DST, p.src0, dy)
                .put(dnnl.DNNL_ARG_DIFF_SRC, p.src0, dx));
    }

    private static boolean fit(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!OneDnn.fits(a)) {
                return false;
            }
        }
        return true;
    }

    private static boolean run(Primitive p, INDArray src0, INDArray src1, INDArray dst, INDArray postOpSrc) {
        return execute(p, args -> {
            args.put(dnnl.DNNL_ARG_SRC_0, p.src0, src0).put(dnnl.DNNL_ARG_SRC_1, p.src1, src1)
                    .put(dnnl.DNNL_ARG_DST, p.src0, dst);
            if (postOpSrc != null) {
                args.put(MULTIPLE_POST_OP_BASE | dnnl.DNNL_ARG_SRC_1, p.src1, postOpSrc);
            }
        });
    }

    /** Runs p with the arguments {@code args} puts into its {@link CallArguments}. */
    private static boolean execute(Primitive p, Consumer<CallArguments> args) {
        synchronized (OneDnn.LOCK) {
            args.accept(p.args);
            p.args.execute(p.primitive);
            OneDnn.stream()._wait();
        }
        return true;
    }

    /** The cached primitive, or null where oneDNN has only its reference kernel for it. */
    private static Primitive primitive(Key k) {
        return CACHE.get(k, OneDnnElementwise::build);
    }

    private static Primitive build(Key k) {
        memory.format_tag tag = k.shape.length == 2 ? memory.format_tag.ab : memory.format_tag.nchw;
        memory.desc src0 = new memory.desc(k.shape, memory.data_type.f32, tag);
        if (k.kind == Kind.RELU_BACKWARD) {
            eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    dnnl.prop_kind.forward_training, dnnl.algorithm.eltwise_relu_use_dst_for_bwd, src0, 0f, 0f),
                    OneDnn.engine());
            eltwise_backward.primitive_desc pd = new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                    dnnl.algorithm.eltwise_relu_use_dst_for_bwd, src0, src0, 0f, 0f), OneDnn.engine(), hint);
            return OneDnn.fastKernel(pd) ? new Primitive(new eltwise_backward(pd), src0, src0) : null;
        }
        memory.desc src1 = k.kind == Kind.ADD ? src0
                : new memory.desc(new long[] {1, k.shape[1], 1, 1}, memory.data_type.f32, tag);
        post_ops ops = new post_ops();
        if (k.kind == Kind.SCALE_SHIFT) {
            ops.append_binary(dnnl.algorithm.binary_add, src1);
        }
        if (k.accumulate) {
            ops.append_sum();
        }
        if (k.relu) {
            ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
        }
        primitive_attr attr = new primitive_attr();
        attr.set_post_ops(ops);
        binary.primitive_desc pd = new binary.primitive_desc(new binary.desc(
                k.kind == Kind.ADD || k.kind == Kind.ADD_PER_CHANNEL ? dnnl.algorithm.binary_add
                        : dnnl.algorithm.binary_mul, src0, src1, src0),
                attr, OneDnn.engine());
        return OneDnn.fastKernel(pd) ? new Primitive(new binary(pd), src0, src1) : null;
    }

    private static final class Primitive implements AutoCloseable {
        final primitive primitive;
        final memory.desc src0, src1;
        final CallArguments args = new CallArguments();

        Primitive(primitive primitive, memory.desc src0, memory.desc src1) {
            this.primitive = primitive;
            this.src0 = src0;
            this.src1 = src1;
        }

        @Override
        public void close() {
            primitive.close();
            args.close();
        }
    }

    private enum Kind { ADD, ADD_PER_CHANNEL, SCALE_SHIFT, SCALE, RELU_BACKWARD }

    private static final class Key {
        final Kind kind;
        final long[] shape;
        final boolean relu, accumulate;

        Key(Kind kind, long[] shape, boolean relu, boolean accumulate) {
            this.kind = kind;
            this.shape = shape.clone();
            this.relu = relu;
            this.accumulate = accumulate;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return kind == k.kind && Arrays.equals(shape, k.shape) && relu == k.relu
                    && accumulate == k.accumulate;
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, Arrays.hashCode(shape), relu, accumulate);
        }
    }
}
