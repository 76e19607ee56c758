package io.github.sknet.layer.norm;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.CallArguments;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.ScratchArena;
import io.github.sknet.layer.onednn.Staging;

/**
 * oneDNN's batch normalisation for NCHW float32 arrays (computed in its channel-blocked layout), optionally with ReLU fused (its ReLU mask kept in a
 * workspace between forward and backward). Statistics are the biased batch variance, as PyTorch
 * normalises with; the layer turns them into PyTorch's running statistics.
 */
final class OneDnnBatchNorm {
    static final OneDnnBatchNorm INSTANCE = new OneDnnBatchNorm();

    private final Map<String, Primitives> cache = new HashMap<>();

    private OneDnnBatchNorm() {
    }

    static boolean fits(INDArray x) {
        return x.rank() == 4 && OneDnn.fits(x);
    }

    /** The kernel oneDNN runs for the training forward of this shape (for tests: never its reference one). */
    String trainingKernel(long[] shape, float eps, boolean relu) {
        return primitives(shape, eps, relu).trainKernel;
    }

    /** Bytes of the ReLU mask a fused training forward writes. */
    long workspaceBytes(long[] shape, float eps) {
        return primitives(shape, eps, true).wsMd.get_size();
    }

    void forwardTraining(INDArray x, INDArray scaleShift, float eps, boolean relu, INDArray y, INDArray mean,
                         INDArray var, INDArray workspace) {
        Primitives p = primitives(x.shape(), eps, relu);
        synchronized (OneDnn.LOCK) {
            CallArguments args = common(p, p.fwdTrainArgs, x, scaleShift, mean, var);
            long yUser = OneDnn.address(y);
            args.put(dnnl.DNNL_ARG_DST, Staging.desc(p.dst, p.dataMd), Staging.target(p.dst, yUser));
            if (relu) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, p.wsMd, OneDnn.start(workspace));
            }
            args.scratchpad(p.fwdTrainScratchpad).execute(p.fwdTrain);
            Staging.out(p.dst, yUser);
            OneDnn.stream()._wait();
        }
    }

    /** y = BN(x) with the given statistics (running ones in inference, a batch's when recomputing). */
    void forwardWithStats(INDArray x, INDArray scaleShift, INDArray mean, INDArray var, float eps, boolean relu,
                          INDArray y) {
        Primitives p = primitives(x.shape(), eps, relu);
        synchronized (OneDnn.LOCK) {
            CallArguments args = common(p, p.fwdStatsArgs, x, scaleShift, mean, var);
            long yUser = OneDnn.address(y);
            args.put(dnnl.DNNL_ARG_DST, Staging.desc(p.dst, p.dataMd), Staging.target(p.dst, yUser));
            args.scratchpad(p.fwdStatsScratchpad).execute(p.fwdStats);
            Staging.out(p.dst, yUser);
            OneDnn.stream()._wait();
        }
    }

    /** dx and d[gamma; beta] for a training-mode forward with these batch statistics. */
    void backward(INDArray x, INDArray dy, INDArray scaleShift, INDArray mean, INDArray var, float eps, boolean relu,
                  INDArray workspace, INDArray dx, INDArray dScaleShift) {
        Primitives p = primitives(x.shape(), eps, relu);
        synchronized (OneDnn.LOCK) {
            CallArguments args = common(p, p.bwdArgs, x, scaleShift, mean, var);
            long dxUser = OneDnn.address(dx);
            args.put(dnnl.DNNL_ARG_DIFF_DST, Staging.desc(p.diffDst, p.dataMd), Staging.in(p.diffDst, OneDnn.address(dy)));
            if (relu) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, p.wsMd, OneDnn.start(workspace));
            }
            args.put(dnnl.DNNL_ARG_DIFF_SRC, Staging.desc(p.diffSrc, p.dataMd), Staging.target(p.diffSrc, dxUser));
            args.put(dnnl.DNNL_ARG_DIFF_SCALE_SHIFT, p.ssMd, dScaleShift);
            args.scratchpad(p.bwdScratchpad).execute(p.bwd);
            Staging.out(p.diffSrc, dxUser);
            OneDnn.stream()._wait();
        }
    }

    /** The arguments every primitive here takes: the input (in the blocked layout), [gamma; beta], statistics. */
    private static CallArguments common(Primitives p, CallArguments args, INDArray x, INDArray scaleShift,
                                        INDArray mean, INDArray var) {
        args.put(dnnl.DNNL_ARG_SRC, Staging.desc(p.src, p.dataMd), Staging.in(p.src, OneDnn.address(x)));
        args.put(dnnl.DNNL_ARG_SCALE_SHIFT, p.ssMd, scaleShift);
        args.put(dnnl.DNNL_ARG_MEAN, p.statMd, mean);
        args.put(dnnl.DNNL_ARG_VARIANCE, p.statMd, var);
        return args;
    }

    private Primitives primitives(long[] shape, float eps, boolean relu) {
        String key = Arrays.toString(shape) + eps + relu;
        synchronized (cache) {
            return cache.computeIfAbsent(key, k -> new Primitives(shape, eps, relu));
        }
    }

    /** Primitives on oneDNN's channel-blocked layout, whose kernels are several times faster than on NCHW. */
    private static final class Primitives {
        final memory.desc dataMd, statMd, ssMd, wsMd;
        final primitive fwdTrain, fwdStats, bwd;
        final memory.desc fwdTrainScratchpad, fwdStatsScratchpad, bwdScratchpad; // null where none is needed
        final Staging src, dst, diffDst, diffSrc;
        final CallArguments fwdTrainArgs = new CallArguments(), fwdStatsArgs = new CallArguments(),
                bwdArgs = new CallArguments();
        final String trainKernel;

        Primitives(long[] shape, float eps, boolean relu) {
            dataMd = new memory.desc(shape, memory.data_type.f32, memory.format_tag.nchw);
            statMd = new memory.desc(new long[] {shape[1]}, memory.data_type.f32, memory.format_tag.a);
            ssMd = new memory.desc(new long[] {2, shape[1]}, memory.data_type.f32, memory.format_tag.ab);
            int flags = dnnl.normalization_flags.use_scale_shift.value
                    | (relu ? dnnl.normalization_flags.fuse_norm_relu.value : 0);
            // the widest channel block this CPU has a kernel for: 16 with AVX-512, 8 with AVX2 (oneDNN runs
            // its reference kernel, ~50x slower, on a block its instruction set has none for)
            memory.desc work = null;
            batch_normalization_forward.primitive_desc trainPd = null;
            for (memory.format_tag layout : new memory.format_tag[] {memory.format_tag.nChw16c,
                    memory.format_tag.nChw8c, memory.format_tag.nchw}) {
                int block = layout == memory.format_tag.nChw16c ? 16 : layout == memory.format_tag.nChw8c ? 8 : 1;
                if (shape[1] % block != 0) {
                    continue;
                }
                work = new memory.desc(shape, memory.data_type.f32, layout);
                trainPd = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                        dnnl.prop_kind.forward_training.value, work, eps, flags), OneDnn.attr(), OneDnn.engine());
                if (!trainPd.impl_info_str().getString().contains("ref")) {
                    break;
                }
            }
            // inference with given statistics, never writing a ReLU mask
            int statsFlags = dnnl.normalization_flags.use_scale_shift.value
                    | dnnl.normalization_flags.use_global_stats.value
                    | (relu ? dnnl.normalization_flags.fuse_norm_relu.value : 0);
            batch_normalization_forward.primitive_desc statsPd = new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value, work, eps,
                            statsFlags), OneDnn.attr(), OneDnn.engine());
            batch_normalization_backward.primitive_desc bwdPd = new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, work, work, eps, flags),
                    OneDnn.attr(), OneDnn.engine(), trainPd);
            trainKernel = trainPd.impl_info_str().getString();
            wsMd = trainPd.workspace_desc();
            fwdTrain = new batch_normalization_forward(trainPd);
            fwdStats = new batch_normalization_forward(statsPd);
            bwd = new batch_normalization_backward(bwdPd);
            fwdTrainScratchpad = OneDnn.scratchpad(trainPd);
            fwdStatsScratchpad = OneDnn.scratchpad(statsPd);
            bwdScratchpad = OneDnn.scratchpad(bwdPd);
            src = Staging.forInput(work, dataMd, ScratchArena.SRC);
            dst = Staging.forOutput(work, dataMd, ScratchArena.DST);
            diffDst = Staging.forInput(work, dataMd, ScratchArena.DST);
            diffSrc = Staging.forOutput(work, dataMd, ScratchArena.WEIGHTS);
        }
    }
}
