package io.github.sknet.layer.conv;

import java.util.Objects;
import java.util.function.Function;

import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.onednn.CallArguments;
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
public final class OneDnnGroupedConvHelper implements GroupedConvHelper {
    public static final OneDnnGroupedConvHelper INSTANCE = new OneDnnGroupedConvHelper();
    private static final int CACHE_SIZE = 64;

    private static final engine ENGINE = OneDnn.engine();
    private static final stream STREAM = OneDnn.stream();

    private final PrimitiveCache<ForwardKey, Forward> forwards = new PrimitiveCache<>(CACHE_SIZE);
    private final PrimitiveCache<ConvGeometry, Backward> backwards = new PrimitiveCache<>(CACHE_SIZE);

    /** Groups merged for every weight gradient whatever kernel oneDNN picks (0: merged where that finds a direct kernel). */
    private final int forcedMerge;

    private OneDnnGroupedConvHelper() {
        this(0);
    }

    /**
     * A helper of its own (own primitive caches) that merges {@code groupsMerged} neighbouring groups for
     * every weight gradient, whatever kernel oneDNN picks: for tests of the merged path on any CPU (which
     * geometries get a direct kernel depends on the instruction set: AVX-512 and AVX2 differ).
     */
    static OneDnnGroupedConvHelper mergingGroups(int groupsMerged) {
        if (groupsMerged < 2) {
            throw new IllegalArgumentException("groupsMerged must be 2 or more, got " + groupsMerged);
        }
        return new OneDnnGroupedConvHelper(groupsMerged);
    }

    private OneDnnGroupedConvHelper(int forcedMerge) {
        this.forcedMerge = forcedMerge;
    }

    private Backward backward(ConvGeometry g) {
        return backwards.get(g, geo -> new Backward(geo, forcedMerge));
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y) {
        forward(g, x, w, bias, relu, y, null);
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y,
                        PreparedWeights prepared) {
        OneDnnPreparedWeights kept = (OneDnnPreparedWeights) prepared;
        // oneDNN's GEMM convolution (the plain 1x1 ones) applies post-ops in a slow extra pass of its own:
        // there bias + ReLU run afterwards as one fast elementwise pass instead
        if (bias != null && Descs.plain(g)) {
            convolve(g, x, w, null, false, y, kept);
            if (!OneDnnElementwise.addPerChannel(y, bias, relu, y)) {
                addBiasRelu(y, bias, relu);
            }
            return;
        }
        convolve(g, x, w, bias, relu, y, kept);
    }

    /** Weights in oneDNN's layouts, kept between inference passes (SKNet-50: ~10 ms a pass to reorder them). */
    @Override
    public PreparedWeights preparedWeights() {
        return new OneDnnPreparedWeights();
    }

    private void convolve(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y,
                          OneDnnPreparedWeights kept) {
        Forward p = forwards.get(new ForwardKey(g, bias != null, relu), Forward::new);
        synchronized (OneDnn.LOCK) {
            long dstUser = OneDnn.address(y);
            long userWeights = OneDnn.address(w);
            CallArguments args = p.args;
            args.put(dnnl.DNNL_ARG_SRC, Staging.desc(p.src, p.srcMd), Staging.in(p.src, OneDnn.address(x) + p.srcOffset));
            args.put(dnnl.DNNL_ARG_WEIGHTS, Staging.desc(p.wei, p.weiMd), p.wei == null || kept == null
                    ? Staging.in(p.wei, userWeights) : kept.in(p.wei, userWeights));
            if (bias != null) {
                args.put(dnnl.DNNL_ARG_BIAS, p.biasMd, bias);
            }
            args.put(dnnl.DNNL_ARG_DST, Staging.desc(p.dst, p.dstMd), Staging.target(p.dst, dstUser));
            args.scratchpad(p.scratchpad).execute(p.fwd);
            Staging.out(p.dst, dstUser);
            STREAM._wait();
        }
    }

    @Override
    public void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        // oneDNN writes into the gradient view itself where it is dense (a slice of the flat gradient); a
        // buffer of its own per call was fresh memory every step (up to 8 MB a layer, page faults on every write)
        if (OneDnn.fits(dw)) {
            backwardInto(g, x, w, dy, dx, dw);
        } else {
            INDArray own = Nd4j.createUninitialized(DataType.FLOAT, g.weightShape());
            backwardInto(g, x, w, dy, dx, own);
            dw.assign(own);
        }
    }

    private void backwardInto(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        Backward p = backward(g);
        // the merged groups' gradient: small (C x 16 x kH x kW at most), allocated where DL4J allocates now
        INDArray wideDw = p.widen == 1 ? null : Nd4j.createUninitialized(DataType.FLOAT, p.wideWeightShape);
        if (dx != null && p.subsampled) {
            dx.assign(0); // the rows and columns the kernel never reads get no gradient
        }
        synchronized (OneDnn.LOCK) {
            long dyUser = OneDnn.address(dy);
            long dyStaged = 0;
            if (dx != null) {
                long dxUser = OneDnn.address(dx) + p.srcOffset;
                CallArguments data = p.dataArgs;
                dyStaged = Staging.in(p.bwdDataDiffDst, dyUser);
                data.put(dnnl.DNNL_ARG_DIFF_DST, Staging.desc(p.bwdDataDiffDst, p.dstMd), dyStaged);
                INDArray dataWeights = p.widenData == 1 ? w : p.blockDiagonalWeights(w);
                data.put(dnnl.DNNL_ARG_WEIGHTS, Staging.desc(p.bwdDataWei, p.bwdDataWeiMd),
                        Staging.in(p.bwdDataWei, OneDnn.address(dataWeights)));
                data.put(dnnl.DNNL_ARG_DIFF_SRC, Staging.desc(p.bwdDataDiffSrc, p.srcMd),
                        Staging.target(p.bwdDataDiffSrc, dxUser));
                data.scratchpad(p.bwdDataScratchpad).execute(p.bwdData);
                Staging.out(p.bwdDataDiffSrc, dxUser);
            }

            long dwUser = OneDnn.address(p.widen == 1 ? dw : wideDw);
            CallArguments weights = p.weightsArgs;
            weights.put(dnnl.DNNL_ARG_SRC, Staging.desc(p.bwdWSrc, p.srcMd), Staging.in(p.bwdWSrc, OneDnn.address(x) + p.srcOffset));
            // the backward-data call left dy in the DST slot in this layout: no second reorder
            weights.put(dnnl.DNNL_ARG_DIFF_DST, Staging.desc(p.bwdWDiffDst, p.dstMd),
                    dx != null && p.diffDstShared ? dyStaged : Staging.in(p.bwdWDiffDst, dyUser));
            weights.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, Staging.desc(p.bwdWDiffWei, p.bwdWWeiMd),
                    Staging.target(p.bwdWDiffWei, dwUser));
            weights.scratchpad(p.bwdWScratchpad).execute(p.bwdWeights);
            Staging.out(p.bwdWDiffWei, dwUser);
            STREAM._wait();
            if (p.widen > 1) {
                p.takeDiagonalBlocks(wideDw, dw);
            }
        }
    }

    /** How many neighbouring groups the weight-gradient primitive of this geometry merges into one (1: none). */
    int backwardWeightsGroupsMerged(ConvGeometry g) {
        return backward(g).widen;
    }

    /** How many neighbouring groups the data-gradient primitive of this geometry merges into one (1: none). */
    int backwardDataGroupsMerged(ConvGeometry g) {
        return backward(g).widenData;
    }

    /** Whether this geometry runs as the undilated convolution of its subsampled input (see {@link Descs}). */
    boolean subsamples(ConvGeometry g) {
        return backward(g).subsampled;
    }

    /** Whether the backward of this geometry reorders dy once for both of its primitives. */
    boolean backwardSharesStagedDy(ConvGeometry g) {
        return backward(g).diffDstShared;
    }

    /** y += bias per output channel (bias may be null), then max(y, 0) if {@code relu}; ND4J, in place. */
    private static void addBiasRelu(INDArray y, INDArray bias, boolean relu) {
        if (bias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(y, bias.reshape(bias.length()), y, 1));
        }
        if (relu) {
            Transforms.relu(y, false);
        }
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

    /**
     * The plain (user-side) memory descriptors and convolution descriptor arguments of one geometry. Where
     * stride equals dilation ({@link ConvGeometry#subsampledEquivalent}) oneDNN computes the undilated
     * stride-1 convolution of the subsampled input, read and written through a strided view of the user's
     * NCHW input: oneDNN has no direct kernel for the dilated, strided backward (im2col + GEMMs instead;
     * SKNet-50's downsampling SK branches, N=8, 256 channels, 56x56, G=32: 11.6 ms against 2.5).
     */
    private static final class Descs {
        final memory.desc srcMd, weiMd, dstMd, anySrc, anyWei, anyDst;
        final long[] strides, dilates, pad, padR;
        /** Whether srcMd views every d-th row and column of the input, from {@link #srcOffset} bytes on. */
        final boolean subsampled;
        final long srcOffset;

        Descs(ConvGeometry user) {
            ConvGeometry sub = user.subsampledEquivalent();
            // oneDNN takes a strided view only where its rows, stride apart, fit in one plane's extent
            if (sub != null && user.inH < user.sH * sub.inH) {
                sub = null;
            }
            ConvGeometry g = sub == null ? user : sub; // what oneDNN computes
            subsampled = sub != null;
            if (subsampled) {
                long plane = user.inH * user.inW;
                srcMd = new memory.desc(g.inputShape(), memory.data_type.f32,
                        new long[] {user.inChannels * plane, plane, user.sH * user.inW, user.sW});
                srcOffset = Float.BYTES * ((long) user.subsampleRow() * user.inW + user.subsampleColumn());
            } else {
                srcMd = new memory.desc(g.inputShape(), memory.data_type.f32, memory.format_tag.nchw);
                srcOffset = 0;
            }
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
         * 1x1 dense convolutions on maps of 14x14 and more run as a plain GEMM on NCHW, which costs less than
         * reordering the activations into a blocked layout and back around every such layer. On smaller maps
         * (SKNet-50's last stage, 7x7) the blocked kernels win despite the reorders: backward there took
         * half the time (8.2 vs 17.3 ms for 2048->1024 at 7x7, N=8).
         */
        static boolean plain(ConvGeometry g) {
            return g.kH == 1 && g.kW == 1 && g.groups == 1 && g.outH * g.outW >= 14 * 14
                    && !"false".equals(System.getProperty("sknet.conv.plain1x1"));
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
        final long srcOffset;
        final primitive fwd;
        final memory.desc scratchpad; // null where none is needed
        final Staging src, wei, dst;
        final CallArguments args = new CallArguments();

        Forward(ForwardKey k) {
            Descs d = new Descs(k.g);
            srcMd = d.srcMd;
            srcOffset = d.srcOffset;
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
            args.close();
            for (Staging s : new Staging[] {src, wei, dst}) {
                Staging.close(s);
            }
        }
    }

    /** The backward-data and backward-weights primitives of one geometry, with the staging of their arguments. */
    private static final class Backward implements AutoCloseable {
        /** Widest group (channels in) the backward primitives' search merges groups up to. */
        private static final int MAX_WIDENED_GROUP = 16;

        final memory.desc srcMd, dstMd, bwdDataWeiMd, bwdWWeiMd;
        /** See {@link Descs#subsampled}: dx is then written at every d-th row and column only, the rest zeroed. */
        final boolean subsampled;
        final long srcOffset;
        final primitive bwdData, bwdWeights;
        final memory.desc bwdDataScratchpad, bwdWScratchpad; // null where none is needed
        final Staging bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc, bwdWSrc, bwdWDiffDst, bwdWDiffWei;
        /** Both primitives read dy in the same staged layout (in the same slot, which neither overwrites). */
        final boolean diffDstShared;
        /** Groups merged per backward-weights group (1: none), and where that merged gradient lands. */
        final int widen;
        final long[] wideWeightShape;
        /** Groups merged per backward-data group (1: none): that primitive reads block-diagonal weights. */
        final int widenData;
        final CallArguments dataArgs = new CallArguments(), weightsArgs = new CallArguments();
        private final ConvGeometry g;

        Backward(ConvGeometry g, int forcedMerge) {
            this.g = g;
            Descs d = new Descs(g);
            srcMd = d.srcMd;
            dstMd = d.dstMd;
            subsampled = d.subsampled;
            srcOffset = d.srcOffset;
            if (forcedMerge > 1 && g.groups % forcedMerge != 0) {
                throw new IllegalArgumentException(forcedMerge + " groups merged do not divide " + g);
            }
            // The data gradient of narrow groups is im2col + GEMMs too, and slow (C=64, G=32, N=128, 32x32:
            // 180 ms, 6x the forward). Merging groups as for the weight gradient below gives it a direct
            // kernel: dx = the data gradient of the merged convolution whose weights are block-diagonal
            // (zeros add nothing to any sum).
            widenData = groupsToMerge(g, forcedMerge, Backward::dataBackward);
            ConvGeometry mergedData = g.withGroups(g.groups / widenData);
            convolution_backward_data.primitive_desc bwdDataPd = dataBackward(mergedData);
            bwdDataWeiMd = new Descs(mergedData).weiMd;
            bwdData = new convolution_backward_data(bwdDataPd);
            bwdDataScratchpad = OneDnn.scratchpad(bwdDataPd);
            bwdDataDiffDst = Staging.forInput(bwdDataPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdDataWei = Staging.forInput(bwdDataPd.weights_desc(), bwdDataWeiMd, ScratchArena.WEIGHTS);
            bwdDataDiffSrc = Staging.forOutput(bwdDataPd.diff_src_desc(), srcMd, ScratchArena.SRC);

            // oneDNN has no direct kernel for the weight gradient of narrow groups (SKNet's 4 channels per
            // group; 8 when dilated) and falls back to im2col + many tiny GEMMs. Merging k neighbouring
            // groups into one (block-diagonal) group finds a direct kernel; the gradient of each original
            // group is a diagonal block of the merged one's: the same sums over the same products, in
            // another order. k times the FLOPs, yet 3-4x faster (N=8, C=128, 56x56, G=32: 22 -> 6 ms).
            widen = groupsToMerge(g, forcedMerge, Backward::weightsBackward);
            ConvGeometry merged = g.withGroups(g.groups / widen);
            convolution_backward_weights.primitive_desc bwdWPd = weightsBackward(merged);
            bwdWWeiMd = new Descs(merged).weiMd;
            wideWeightShape = merged.weightShape();
            bwdWeights = new convolution_backward_weights(bwdWPd);
            bwdWScratchpad = OneDnn.scratchpad(bwdWPd);
            bwdWSrc = Staging.forInput(bwdWPd.src_desc(), srcMd, ScratchArena.SRC);
            bwdWDiffDst = Staging.forInput(bwdWPd.diff_dst_desc(), dstMd, ScratchArena.DST);
            bwdWDiffWei = Staging.forOutput(bwdWPd.diff_weights_desc(), bwdWWeiMd, ScratchArena.WEIGHTS);

            // dy staged once for both primitives where they read the same layout of it (not where merged
            // groups changed the weight gradient's layout: there oneDNN has only its reference kernel for the
            // data gradient in the weight gradient's layout of dy)
            diffDstShared = bwdDataDiffDst != null && bwdWDiffDst != null
                    && bwdDataPd.diff_dst_desc().equals(bwdWPd.diff_dst_desc());
        }

        private static convolution_backward_weights.primitive_desc weightsBackward(ConvGeometry g) {
            Descs d = new Descs(g);
            return new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, d.anySrc, d.anyWei,
                            d.anyDst, d.strides, d.dilates, d.pad, d.padR), OneDnn.attr(), ENGINE, d.plainForward());
        }

        private static convolution_backward_data.primitive_desc dataBackward(ConvGeometry g) {
            Descs d = new Descs(g);
            return new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, d.anySrc, d.anyWei,
                            d.anyDst, d.strides, d.dilates, d.pad, d.padR), OneDnn.attr(), ENGINE, d.plainForward());
        }

        /**
         * Neighbouring groups one backward primitive ({@code pd} builds it for a geometry) merges into one:
         * {@code forcedMerge} if above 1; else the fewest that give a direct kernel where oneDNN's own
         * choice for {@code g} is im2col + GEMMs; else 1 (none).
         */
        private static int groupsToMerge(ConvGeometry g, int forcedMerge,
                                         Function<ConvGeometry, ? extends primitive_desc_base> pd) {
            if (forcedMerge > 1) {
                return forcedMerge;
            }
            if (noWidening() || !isGemm(pd.apply(g))) {
                return 1;
            }
            for (int wider = 2; g.groups % wider == 0 && g.inChannels / g.groups * wider <= MAX_WIDENED_GROUP;
                 wider *= 2) {
                if (!isGemm(pd.apply(g.withGroups(g.groups / wider)))) {
                    return wider;
                }
            }
            return 1;
        }

        private static boolean isGemm(primitive_desc_base pd) {
            String impl = pd.impl_info_str().getString();
            return impl.contains("gemm") || impl.contains("ref");
        }

        /** {@code -Dsknet.conv.widenBackwardWeights=false} keeps oneDNN's own choice for both backward primitives (for comparisons). */
        private static boolean noWidening() {
            return "false".equals(System.getProperty("sknet.conv.widenBackwardWeights"));
        }

        /**
         * dw[group m * k + j] = wideDw[m] restricted to block j's output and input channels. Plain Java on
         * copies: the arrays are small (at most C x 16 x kH x kW), and ND4J's views of DL4J's gradient view
         * (itself an offset view) were not reliable.
         */
        void takeDiagonalBlocks(INDArray wideDw, INDArray dw) {
            float[] out = new float[(int) dw.length()];
            // our own fresh c-ordered array: its buffer is its elements
            copyDiagonalBlocks(widen, out, wideDw.data().asFloat(), false);
            dw.assign(Nd4j.createFromArray(out).reshape(dw.shape()));
        }

        /** The weights of the data gradient's merged groups: group m's block j is group m * k + j's weights. */
        INDArray blockDiagonalWeights(INDArray w) {
            float[] own = w.dup('c').data().asFloat(); // a fresh c-ordered copy: its buffer is its elements
            float[] wide = new float[own.length * widenData];
            copyDiagonalBlocks(widenData, own, wide, true);
            return Nd4j.createFromArray(wide).reshape(g.withGroups(g.groups / widenData).weightShape());
        }

        /**
         * Between per-group weights {@code [out, in / groups, kH, kW]} and those of k groups merged into one
         * {@code [out, k * in / groups, kH, kW]}: group m * k + j is block j of merged group m's diagonal.
         */
        private void copyDiagonalBlocks(int k, float[] narrow, float[] wide, boolean intoWide) {
            int outPer = (int) (g.outChannels / g.groups), block = (int) (g.inChannels / g.groups) * g.kH * g.kW;
            int wideRow = k * block; // one output channel of a merged group
            for (int grp = 0; grp < g.groups; grp++) {
                int m = grp / k, j = grp % k;
                for (int o = 0; o < outPer; o++) {
                    int w = ((m * k + j) * outPer + o) * wideRow + j * block, n = (grp * outPer + o) * block;
                    if (intoWide) {
                        System.arraycopy(narrow, n, wide, w, block);
                    } else {
                        System.arraycopy(wide, w, narrow, n, block);
                    }
                }
            }
        }

        @Override
        public void close() {
            bwdData.close();
            bwdWeights.close();
            dataArgs.close();
            weightsArgs.close();
            for (Staging s : new Staging[] {bwdDataDiffDst, bwdDataWei, bwdDataDiffSrc, bwdWSrc, bwdWDiffDst,
                    bwdWDiffWei}) {
                Staging.close(s);
            }
        }
    }
}
