package io.github.sknet.layer.conv;

import java.util.Objects;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.OneDnnElementwise;
import io.github.sknet.layer.onednn.PrimitiveCache;
import io.github.sknet.layer.onednn.ScratchArena;
import io.github.sknet.layer.onednn.Staging;

/**
 * Grouped (and dilated) convolution through oneDNN's own primitives, the same kernels PyTorch's CPU
 * convolutions use. Primitives are built once per {@link ConvGeometry} (forward ones also per bias /
 * ReLU combination: a bias and a ReLU post-op run inside the convolution, so a folded conv + BN + ReLU
 * is one primitive call; the plain 1x1 ones add them in one element-wise pass after it); oneDNN picks its blocked layouts, and plain NCHW / OIHW arrays are reordered
 * in and out of them.
 */
public final class OneDnnGroupedConvEngine implements GroupedConvEngine {
    public static final OneDnnGroupedConvEngine INSTANCE = new OneDnnGroupedConvEngine();
    private static final int CACHE_SIZE = 64;

    private static final engine ENGINE = OneDnn.engine();
    private static final stream STREAM = OneDnn.stream();

    private final PrimitiveCache<ForwardKey, Forward> forwards = new PrimitiveCache<>(CACHE_SIZE);
    private final PrimitiveCache<ConvGeometry, Backward> backwards = new PrimitiveCache<>(CACHE_SIZE);

    private OneDnnGroupedConvEngine() {
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        forward(g, x, w, null, false, y);
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y) {
        // oneDNN's GEMM convolution (the plain 1x1 ones) applies post-ops in a slow extra pass of its own:
        // there bias + ReLU run afterwards as one fast elementwise pass instead
        if (bias != null && Descs.plain(g)) {
            convolve(g, x, w, null, false, y);
            if (!OneDnnElementwise.addPerChannel(y, bias, relu, y)) {
                GroupedConvEngine.addBiasRelu(y, bias, relu);
            }
            return;
        }
        convolve(g, x, w, bias, relu, y);
    }

    private void convolve(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y) {
        Forward p = forwards.get(new ForwardKey(g, bias != null, relu), Forward::new);
        synchronized (OneDnn.LOCK) {
            try (PointerScope scope = new PointerScope()) {
                memory dstUser = wrap(p.dstMd, y);
                memory dst = Staging.target(p.dst, dstUser);
                IntMemoryMap args = new IntMemoryMap();
                args.put(dnnl.DNNL_ARG_SRC, Staging.in(p.src, wrap(p.srcMd, x)));
                args.put(dnnl.DNNL_ARG_WEIGHTS, Staging.in(p.wei, wrap(p.weiMd, w)));
                if (bias != null) {
                    args.put(dnnl.DNNL_ARG_BIAS, wrap(p.biasMd, bias));
                }
                args.put(dnnl.DNNL_ARG_DST, dst);
                p.fwd.execute(STREAM, OneDnn.withScratchpad(args, p.scratchpad));
                Staging.out(p.dst, dstUser);
                STREAM._wait();
            }
        }
    }

    @Override
    public void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        Backward p = backwards.get(g, Backward::new);
        synchronized (OneDnn.LOCK) {
            try (PointerScope scope = new PointerScope()) {
                memory dyUser = wrap(p.dstMd, dy);
                if (dx != null) {
                    memory dxUser = wrap(p.srcMd, dx);
                    IntMemoryMap data = new IntMemoryMap();
                    data.put(dnnl.DNNL_ARG_DIFF_DST, Staging.in(p.bwdDataDiffDst, dyUser));
                    data.put(dnnl.DNNL_ARG_WEIGHTS, Staging.in(p.bwdDataWei, wrap(p.weiMd, w)));
                    data.put(dnnl.DNNL_ARG_DIFF_SRC, Staging.target(p.bwdDataDiffSrc, dxUser));
                    p.bwdData.execute(STREAM, OneDnn.withScratchpad(data, p.bwdDataScratchpad));
                    Staging.out(p.bwdDataDiffSrc, dxUser);
                }

                memory dwUser = wrap(p.weiMd, dw);
                IntMemoryMap weights = new IntMemoryMap();
                weights.put(dnnl.DNNL_ARG_SRC, Staging.in(p.bwdWSrc, wrap(p.srcMd, x)));
                weights.put(dnnl.DNNL_ARG_DIFF_DST, Staging.in(p.bwdWDiffDst, dyUser));
                weights.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, Staging.target(p.bwdWDiffWei, dwUser));
                p.bwdWeights.execute(STREAM, OneDnn.withScratchpad(weights, p.bwdWScratchpad));
                Staging.out(p.bwdWDiffWei, dwUser);
                STREAM._wait();
            }
        }
    }

    private static memory wrap(memory.desc md, INDArray a) {
        return OneDnn.wrap(md, a);
    }

    /** What a forward primitive is built for: the geometry, and whether bias and ReLU run inside it. */
    private static final class ForwardKey {
        final ConvGeometry g;
        final boolean bias, relu;

        ForwardKey(ConvGeometry g, boolean bias, boolean relu) {
            this.g = g;
            this.bias = bias;
            this.relu = relu;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ForwardKey && g.equals(((ForwardKey) o).g) && bias == ((ForwardKey) o).bias
                    && relu == ((ForwardKey) o).relu;
        }

        @Override
        public int hashCode() {
            return Objects.hash(g, bias, relu);
        }
    }

    /** The plain (user-side) memory descriptors and convolution descriptor arguments of one geometry. */
    private static final class Descs {
        final memory.desc srcMd, weiMd, dstMd, anySrc, anyWei, anyDst;
        final long[] strides, dilates, pad, padR;

        Descs(ConvGeometry g) {
            srcMd = new memory.desc(g.inputShape(), memory.data_type.f32, memory.format_tag.nchw);
            dstMd = new memory.desc(g.outputShape(), memory.data_type.f32, memory.format_tag.nchw);
            long[] groupedWeights = {g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.kH, g.kW};
            weiMd = new memory.desc(groupedWeights, memory.data_type.f32, memory.format_tag.goihw);
            memory.format_tag act = plain(g) ? memory.format_tag.nchw : memory.format_tag.any;
            anySrc = new memory.desc(g.inputShape(), memory.data_type.f32, act);
            anyDst = new memory.desc(g.outputShape(), memory.data_type.f32, act);
            anyWei = new memory.desc(groupedWeights, memory.data_type.f32, memory.format_tag.any);
            strides = new long[] {g.sH, g.sW};
            dilates = new long[] {g.dH - 1, g.dW - 1}; // oneDNN counts dilation from 0
            pad = new long[] {g.pH, g.pW};
            // the bottom/right padding reaches only as far as the last window does (PyTorch's rule)
            padR = new long[] {
                    (g.outH - 1) * g.sH + (long) (g.kH - 1) * g.dH + 1 - g.inH - g.pH,
                    (g.outW - 1) * g.sW + (long) (g.kW - 1) * g.dW + 1 - g.inW - g.pW};
        }

        /**
         * 1x1 dense convolutions run as a plain GEMM on NCHW, which costs less than reordering the
         * activations into a blocked layout and back around every such layer.
         */
        static boolean plain(ConvGeometry g) {
            return g.kH == 1 && g.kW == 1 && g.groups == 1 && !"false".equals(System.getProperty("sknet.conv.plain1x1"));
        }

        /** The forward descriptor the backward primitives are hinted with: no bias, no post-ops. */
        convolution_forward.primitive_desc plainForward() {
            return new convolution_forward.primitive_desc(new convolution_forward.desc(
                    dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, anySrc, anyWei, anyDst,
                    strides, dilates, pad, padR), OneDnn.attr(), ENGINE);
        }
    }

    /** One forward primitive, with the staging of its arguments. */
    private static final class Forward implements AutoCloseable {
        final memory.desc srcMd, weiMd, dstMd, biasMd;
        final primitive fwd;
        final memory.desc scratchpad; // null where none is needed
        final Staging src, wei, dst;

        Forward(ForwardKey k) {
            Descs d = new Descs(k.g);
            srcMd = d.srcMd;
            weiMd = d.weiMd;
            dstMd = d.dstMd;
            biasMd = new memory.desc(new long[] {k.g.outChannels}, memory.data_type.f32, memory.format_tag.x);
            primitive_attr attr = OneDnn.attr(); // keeps its user-managed scratchpad
            if (k.relu) {
                post_ops ops = new post_ops();
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
                attr.set_post_ops(ops);
            }
            convolution_forward.desc desc = k.bias
                    ? new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                            d.anySrc, d.anyWei, biasMd, d.anyDst, d.strides, d.dilates, d.pad, d.padR)
                    : new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                            d.anySrc, d.anyWei, d.anyDst, d.strides, d.dilates, d.pad, d.padR);
            convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(desc, attr, ENGINE);
            fwd = new convolution_forward(pd);
            scratchpad = OneDnn.scratchpad(pd);
            src = Staging.forInput(pd.src_desc(), srcMd, ScratchArena.SRC);
            wei = Staging.forInput(pd.weights_desc(), weiMd, ScratchArena.WEIGHTS);
            dst = Staging.forOutput(pd.dst_desc(), dstMd, ScratchArena.DST);
        }

        @Override
        public void close() {
            fwd.close();
            for (Staging s : new Staging[] {src, wei, dst}) {
                Staging.close(s);
            }
        }
    }

    /** The backward-data and backward-weights primitives of one geometry, with the staging of their arguments. */
    private static final class Backward implements AutoCloseable {
        final memory.desc srcMd, weiMd, dstMd;
        final primitive bwdData, bwdWeights;
        final memory.desc bwdDataScratchpad, bwdWScratchpad; // null where none is needed
        final Staging bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc, bwdWSrc, bwdWDiffDst, bwdWDiffWei;

        Backward(ConvGeometry g) {
            Descs d = new Descs(g);
            srcMd = d.srcMd;
            weiMd = d.weiMd;
            dstMd = d.dstMd;
            convolution_forward.primitive_desc hint = d.plainForward();
            convolution_backward_data.primitive_desc bwdDataPd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, d.anySrc, d.anyWei,
                            d.anyDst, d.strides, d.dilates, d.pad, d.padR), OneDnn.attr(), ENGINE, hint);
            convolution_backward_weights.primitive_desc bwdWPd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, d.anySrc, d.anyWei,
                            d.anyDst, d.strides, d.dilates, d.pad, d.padR), OneDnn.attr(), ENGINE, hint);
            bwdData = new convolution_backward_data(bwdDataPd);
            bwdWeights = new convolution_backward_weights(bwdWPd);
            bwdDataScratchpad = OneDnn.scratchpad(bwdDataPd);
            bwdWScratchpad = OneDnn.scratchpad(bwdWPd);

            bwdDataDiffDst = Staging.forInput(bwdDataPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdDataWei = Staging.forInput(bwdDataPd.weights_desc(), weiMd, ScratchArena.WEIGHTS);
            bwdDataDiffSrc = Staging.forOutput(bwdDataPd.diff_src_desc(), srcMd, ScratchArena.SRC);
            bwdWSrc = Staging.forInput(bwdWPd.src_desc(), srcMd, ScratchArena.SRC);
            bwdWDiffDst = Staging.forInput(bwdWPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdWDiffWei = Staging.forOutput(bwdWPd.diff_weights_desc(), weiMd, ScratchArena.WEIGHTS);
        }

        @Override
        public void close() {
            bwdData.close();
            bwdWeights.close();
            for (Staging s : new Staging[] {bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc, bwdWSrc, bwdWDiffDst,
                    bwdWDiffWei}) {
                Staging.close(s);
            }
        }
    }
}
