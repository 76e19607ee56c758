package io.github.sknet.layer.conv;

import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.ScratchArena;
import io.github.sknet.layer.onednn.Staging;

/**
 * Grouped (and dilated) convolution through oneDNN's own primitives, the same kernels PyTorch's CPU
 * convolutions use. Primitives are built once per {@link ConvGeometry}; oneDNN picks its blocked
 * layouts, and plain NCHW / OIHW arrays are reordered in and out of them.
 */
public final class OneDnnGroupedConvEngine implements GroupedConvEngine {
    public static final OneDnnGroupedConvEngine INSTANCE = new OneDnnGroupedConvEngine();
    private static final int CACHE_SIZE = 64;

    private static final engine ENGINE = OneDnn.engine();
    private static final stream STREAM = OneDnn.stream();

    private final Map<ConvGeometry, Primitives> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ConvGeometry, Primitives> e) {
            if (size() > CACHE_SIZE) {
                synchronized (OneDnn.LOCK) { // another thread may be running it
                    e.getValue().close();
                }
                return true;
            }
            return false;
        }
    };

    private OneDnnGroupedConvEngine() {
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        Primitives p = primitives(g);
        synchronized (OneDnn.LOCK) {
            try (PointerScope scope = new PointerScope()) {
                memory dstUser = wrap(p.dstMd, y);
                memory dst = Staging.target(p.fwdDst, dstUser);
                IntMemoryMap args = new IntMemoryMap();
                args.put(dnnl.DNNL_ARG_SRC, Staging.in(p.fwdSrc, wrap(p.srcMd, x)));
                args.put(dnnl.DNNL_ARG_WEIGHTS, Staging.in(p.fwdWei, wrap(p.weiMd, w)));
                args.put(dnnl.DNNL_ARG_DST, dst);
                p.fwd.execute(STREAM, OneDnn.withScratchpad(args, p.fwdScratchpad));
                Staging.out(p.fwdDst, dstUser);
                STREAM._wait();
            }
        }
    }

    @Override
    public void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        Primitives p = primitives(g);
        synchronized (OneDnn.LOCK) {
            try (PointerScope scope = new PointerScope()) {
                memory dyUser = wrap(p.dstMd, dy);
                memory dxUser = wrap(p.srcMd, dx);
                IntMemoryMap data = new IntMemoryMap();
                data.put(dnnl.DNNL_ARG_DIFF_DST, Staging.in(p.bwdDataDiffDst, dyUser));
                data.put(dnnl.DNNL_ARG_WEIGHTS, Staging.in(p.bwdDataWei, wrap(p.weiMd, w)));
                data.put(dnnl.DNNL_ARG_DIFF_SRC, Staging.target(p.bwdDataDiffSrc, dxUser));
                p.bwdData.execute(STREAM, OneDnn.withScratchpad(data, p.bwdDataScratchpad));
                Staging.out(p.bwdDataDiffSrc, dxUser);

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

    private Primitives primitives(ConvGeometry g) {
        synchronized (cache) {
            Primitives p = cache.get(g);
            if (p == null) {
                p = new Primitives(g);
                cache.put(g, p);
            }
            return p;
        }
    }

    private static memory wrap(memory.desc md, INDArray a) {
        return OneDnn.wrap(md, a);
    }

    /** The primitives of one geometry and the staging of each of their arguments. */
    private static final class Primitives {
        final memory.desc srcMd, weiMd, dstMd;
        final primitive fwd, bwdData, bwdWeights;
        final memory.desc fwdScratchpad, bwdDataScratchpad, bwdWScratchpad; // null where none is needed
        final Staging fwdSrc, fwdWei, fwdDst, bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc, bwdWSrc, bwdWDiffDst,
                bwdWDiffWei;

        Primitives(ConvGeometry g) {
            srcMd = new memory.desc(g.inputShape(), memory.data_type.f32, memory.format_tag.nchw);
            dstMd = new memory.desc(g.outputShape(), memory.data_type.f32, memory.format_tag.nchw);
            long[] groupedWeights = {g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.kH, g.kW};
            weiMd = new memory.desc(groupedWeights, memory.data_type.f32, memory.format_tag.goihw);
            // 1x1 dense convolutions run as a plain GEMM on NCHW, which costs less than reordering the
            // activations into a blocked layout and back around every such layer
            boolean plain = g.kH == 1 && g.kW == 1 && g.groups == 1 && !"false".equals(System.getProperty("sknet.conv.plain1x1"));
            memory.format_tag act = plain ? memory.format_tag.nchw : memory.format_tag.any;
            memory.desc anySrc = new memory.desc(g.inputShape(), memory.data_type.f32, act);
            memory.desc anyDst = new memory.desc(g.outputShape(), memory.data_type.f32, act);
            memory.desc anyWei = new memory.desc(groupedWeights, memory.data_type.f32, memory.format_tag.any);
            long[] strides = {g.sH, g.sW};
            long[] dilates = {g.dH - 1, g.dW - 1}; // oneDNN counts dilation from 0
            long[] pad = {g.pH, g.pW};
            // the bottom/right padding reaches only as far as the last window does (PyTorch's rule)
            long[] padR = {
                    (g.outH - 1) * g.sH + (long) (g.kH - 1) * g.dH + 1 - g.inH - g.pH,
                    (g.outW - 1) * g.sW + (long) (g.kW - 1) * g.dW + 1 - g.inW - g.pW};

            convolution_forward.primitive_desc fwdPd = new convolution_forward.primitive_desc(
                    new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                            anySrc, anyWei, anyDst, strides, dilates, pad, padR), OneDnn.attr(), ENGINE);
            convolution_backward_data.primitive_desc bwdDataPd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, anySrc, anyWei, anyDst,
                            strides, dilates, pad, padR), OneDnn.attr(), ENGINE, fwdPd);
            convolution_backward_weights.primitive_desc bwdWPd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, anySrc, anyWei, anyDst,
                            strides, dilates, pad, padR), OneDnn.attr(), ENGINE, fwdPd);
            fwd = new convolution_forward(fwdPd);
            bwdData = new convolution_backward_data(bwdDataPd);
            bwdWeights = new convolution_backward_weights(bwdWPd);
            fwdScratchpad = OneDnn.scratchpad(fwdPd);
            bwdDataScratchpad = OneDnn.scratchpad(bwdDataPd);
            bwdWScratchpad = OneDnn.scratchpad(bwdWPd);

            fwdSrc = Staging.forInput(fwdPd.src_desc(), srcMd, ScratchArena.SRC);
            fwdWei = Staging.forInput(fwdPd.weights_desc(), weiMd, ScratchArena.WEIGHTS);
            fwdDst = Staging.forOutput(fwdPd.dst_desc(), dstMd, ScratchArena.DST);
            bwdDataDiffDst = Staging.forInput(bwdDataPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdDataWei = Staging.forInput(bwdDataPd.weights_desc(), weiMd, ScratchArena.WEIGHTS);
            bwdDataDiffSrc = Staging.forOutput(bwdDataPd.diff_src_desc(), srcMd, ScratchArena.SRC);
            bwdWSrc = Staging.forInput(bwdWPd.src_desc(), srcMd, ScratchArena.SRC);
            bwdWDiffDst = Staging.forInput(bwdWPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdWDiffWei = Staging.forOutput(bwdWPd.diff_weights_desc(), weiMd, ScratchArena.WEIGHTS);
        }

        void close() {
            fwd.close();
            bwdData.close();
            bwdWeights.close();
            for (Staging s : new Staging[] {fwdSrc, fwdWei, fwdDst, bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc,
                    bwdWSrc, bwdWDiffDst, bwdWDiffWei}) {
                Staging.close(s);
            }
        }
    }
}
