package io.github.sknet.layer.pool;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.CallArguments;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.PrimitiveCache;
import io.github.sknet.layer.onednn.ScratchArena;

/**
 * Max pooling through oneDNN's pooling primitives on plain NCHW arrays, built once per geometry. DL4J's
 * layer runs ND4J's pooling, whose backward took 44 ms for SKNet-50's stem at batch 8 (forward 5-10 ms,
 * creating its oneDNN primitive and scratchpad on every call).
 *
 * <p>oneDNN's backward needs the forward's workspace (where each window's maximum was); rather than
 * keep it from the forward pass, backward runs the forward again into scratch memory: the layer stays
 * stateless, and the extra forward costs a fraction of the backward it replaces.
 */
final class OneDnnMaxPoolHelper implements MaxPoolHelper {
    static final OneDnnMaxPoolHelper INSTANCE = new OneDnnMaxPoolHelper();
    private static final int CACHE_SIZE = 32;

    /** Null values: no fast kernel for that geometry. */
    private final PrimitiveCache<PoolGeometry, Forward> forwards = new PrimitiveCache<>(CACHE_SIZE);
    private final PrimitiveCache<PoolGeometry, Backward> backwards = new PrimitiveCache<>(CACHE_SIZE);

    private OneDnnMaxPoolHelper() {
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public boolean supports(PoolGeometry g) {
        // a negative end padding (rows in no window) is what oneDNN's descriptors refuse
        return g.outH() >= 1 && g.outW() >= 1 && g.padBottom() >= 0 && g.padRight() >= 0
                && forwards.get(g, Forward::build) != null;
    }

    @Override
    public void forward(PoolGeometry g, INDArray x, INDArray y) {
        Forward p = forwards.get(g, Forward::build);
        synchronized (OneDnn.LOCK) {
            p.args.put(dnnl.DNNL_ARG_SRC, p.src, x).put(dnnl.DNNL_ARG_DST, p.dst, y).scratchpad(p.scratchpad)
                    .execute(p.pooling);
            OneDnn.stream()._wait();
        }
    }

    @Override
    public void backward(PoolGeometry g, INDArray x, INDArray dy, INDArray dx) {
        Backward p = backwards.get(g, Backward::new);
        synchronized (OneDnn.LOCK) {
            // the forward again, for its workspace; its output goes to scratch and is not needed
            long workspace = ScratchArena.address(ScratchArena.WEIGHTS, p.workspace.get_size());
            p.forwardArgs.put(dnnl.DNNL_ARG_SRC, p.src, x)
                    .put(dnnl.DNNL_ARG_DST, p.dst, ScratchArena.address(ScratchArena.DST, p.dst.get_size()))
                    .put(dnnl.DNNL_ARG_WORKSPACE, p.workspace, workspace).scratchpad(p.forwardScratchpad)
                    .execute(p.forward);
            p.backwardArgs.put(dnnl.DNNL_ARG_DIFF_DST, p.dst, dy).put(dnnl.DNNL_ARG_DIFF_SRC, p.src, dx)
                    .put(dnnl.DNNL_ARG_WORKSPACE, p.workspace, workspace).scratchpad(p.backwardScratchpad)
                    .execute(p.backward);
            OneDnn.stream()._wait();
        }
    }

    private static memory.desc plain(long[] shape) {
        return new memory.desc(shape, memory.data_type.f32, memory.format_tag.nchw);
    }

    private static pooling_forward.desc forwardDesc(PoolGeometry g, dnnl.prop_kind kind) {
        return new pooling_forward.desc(kind, dnnl.algorithm.pooling_max, plain(g.inputShape()),
                plain(g.outputShape()), new long[] {g.sH(), g.sW()}, new long[] {g.kH(), g.kW()},
                new long[] {g.pH(), g.pW()}, new long[] {g.padBottom(), g.padRight()});
    }

    /** Inference (and a training pass's forward): no workspace. */
    private static final class Forward implements AutoCloseable {
        final pooling_forward pooling;
        final memory.desc src, dst, scratchpad;
        final CallArguments args = new CallArguments();

        private Forward(pooling_forward.primitive_desc pd, PoolGeometry g) {
            pooling = new pooling_forward(pd);
            src = plain(g.inputShape());
            dst = plain(g.outputShape());
            scratchpad = OneDnn.scratchpad(pd);
        }

        static Forward build(PoolGeometry g) {
            pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(
                    forwardDesc(g, dnnl.prop_kind.forward_inference), OneDnn.attr(), OneDnn.engine());
            return OneDnn.fastKernel(pd) ? new Forward(pd, g) : null;
        }

        @Override
        public void close() {
            pooling.close();
            args.close();
        }
    }

    /** The forward with its workspace, and the backward reading it. */
    private static final class Backward implements AutoCloseable {
        final pooling_forward forward;
        final pooling_backward backward;
        final memory.desc src, dst, workspace, forwardScratchpad, backwardScratchpad;
        final CallArguments forwardArgs = new CallArguments(), backwardArgs = new CallArguments();

        Backward(PoolGeometry g) {
            pooling_forward.primitive_desc fwd = new pooling_forward.primitive_desc(
                    forwardDesc(g, dnnl.prop_kind.forward_training), OneDnn.attr(), OneDnn.engine());
            src = plain(g.inputShape());
            dst = plain(g.outputShape());
            pooling_backward.primitive_desc bwd = new pooling_backward.primitive_desc(new pooling_backward.desc(
                    dnnl.algorithm.pooling_max, src, dst, new long[] {g.sH(), g.sW()}, new long[] {g.kH(), g.kW()},
                    new long[] {g.pH(), g.pW()}, new long[] {g.padBottom(), g.padRight()}),
                    OneDnn.attr(), OneDnn.engine(), fwd);
            forward = new pooling_forward(fwd);
            backward = new pooling_backward(bwd);
            workspace = fwd.workspace_desc();
            forwardScratchpad = OneDnn.scratchpad(fwd);
            backwardScratchpad = OneDnn.scratchpad(bwd);
        }

        @Override
        public void close() {
            forward.close();
            backward.close();
            forwardArgs.close();
            backwardArgs.close();
        }
    }
}
