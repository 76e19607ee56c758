package io.github.sknet.layer.norm;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.HeapArrays;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.OneDnnElementwise;
import io.github.sknet.layer.samediff.Helpers;

/**
 * The runtime of {@link BatchNorm}. NCHW float32 with an identity or ReLU activation runs on oneDNN
 * (ReLU fused); everything else, and float64, on ND4J ops. Both keep only per-channel statistics
 * between the passes and rebuild what backprop needs from the layer's input.
 */
public class BatchNormLayer extends BaseLayer<BatchNorm> {
    /** The largest {@code [N, C]} input that inference normalises on the heap ({@link #onHeap}). */
    static final int HEAP_MAX_VALUES = 1 << 16;
    private INDArray batchMean;
    private INDArray batchVar;
    private boolean lastForwardTrained;
    private boolean lastForwardOneDnn;
    private boolean lastForwardOnHeap;
    private INDArray reluMask;
    /** oneDNN's batch normalisation may run: chosen once, when the layer is created ({@link Helpers}). */
    private final boolean helper = Helpers.enabled() && OneDnn.isAvailable();
    /** Whether inference passes reuse {@link #keptScaleShift} ({@link #keepInferenceScaleShift}). */
    private boolean keep;
    /** {scale, shift} of the running statistics, outside workspaces; null until a pass needs them. */
    private INDArray[] keptScaleShift;

    public BatchNormLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * Whether inference passes may reuse the per-channel scale and shift computed from the parameters
     * and running statistics instead of computing them on every pass. Dropped by every training pass
     * and every parameter setter of this layer; writes straight into the parameter arrays (e.g.
     * {@code ComputationGraph.setParams}) are not seen: call {@link #parametersChanged} after them.
     */
    public void keepInferenceScaleShift(boolean keep) {
        this.keep = keep;
        keptScaleShift = null;
    }

    /** Drops the kept scale and shift (see {@link #keepInferenceScaleShift}). */
    public void parametersChanged() {
        keptScaleShift = null;
    }

    /** Whether the last forward pass ran on the heap ({@link #onHeap}; for tests). */
    boolean lastForwardOnHeap() {
        return lastForwardOnHeap;
    }

    /** Whether a kept scale and shift is held now (for tests). */
    boolean holdsKeptScaleShift() {
        return keptScaleShift != null;
    }

    @Override
    public void setParams(INDArray params) {
        super.setParams(params);
        parametersChanged();
    }

    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        parametersChanged();
    }

    @Override
    public void setParamsViewArray(INDArray params) {
        super.setParamsViewArray(params);
        parametersChanged();
    }

    @Override
    public void setParamTable(java.util.Map<String, INDArray> paramTable) {
        super.setParamTable(paramTable);
        parametersChanged();
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = checkedInput();
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        IActivation afn = layerConf().getActivationFn();
        boolean relu = OneDnn.isPlainRelu(afn);
        boolean oneDnn = helper && OneDnnBatchNorm.fits(x) && (relu || afn instanceof ActivationIdentity);
        float eps = (float) layerConf().getEps();
        lastForwardTrained = training;
        lastForwardOneDnn = oneDnn;
        lastForwardOnHeap = !training && !oneDnn && onHeap(x, afn, relu);
        if (training) {
            parametersChanged(); // the running statistics, and after the step gamma and beta, change
            long count = checkCount(x);
            long c = x.size(1);
            // kept for backprop: the INPUT workspace outlives the forward pass's working memory
            batchMean = workspaceMgr.createUninitialized(ArrayType.INPUT, dataType, c);
            batchVar = workspaceMgr.createUninitialized(ArrayType.INPUT, dataType, c);
            if (oneDnn) {
                OneDnnBatchNorm.INSTANCE.forwardTraining(x, scaleShift(), eps, relu, y, batchMean, batchVar,
                        relu ? reluMask(x.shape(), eps) : null);
            } else {
                int[] dims = reduceDims(x);
                batchMean.assign(x.mean(dims));
                batchVar.assign(x.var(false, dims));
            }
            updateRunningStats(batchMean, batchVar, count);
        } else if (oneDnn) {
            // with known statistics the layer is a per-channel affine map: one pass over NCHW, where
            // oneDNN's batch normalisation needs its blocked layout and two reorders around it
            INDArray[] ss = scaleAndShift();
            if (!OneDnnElementwise.scaleShift(x, ss[0], ss[1], relu, y)) {
                OneDnnBatchNorm.INSTANCE.forwardWithStats(x, scaleShift(), runningMean(), runningVar(), eps, relu, y);
            }
        }
        if (oneDnn) {
            return y;
        }
        if (lastForwardOnHeap) {
            affineOnHeap(x, relu, y);
            return y;
        }
        affine(x, y);
        return afn instanceof ActivationIdentity ? y : afn.getActivation(y, training);
    }

    private long checkCount(INDArray x) {
        long count = x.length() / x.size(1);
        if (count < 2) {
            throw new DL4JInvalidInputException(layerConf().describe() + ": training needs more than one value per "
                    + "channel, got input shape " + Arrays.toString(x.shape())
                    + " (use a larger batch, or inference mode) " + layerId());
        }
        return count;
    }

    /** PyTorch: running = (1 - m) running + m batch, with the unbiased variance. */
    private void updateRunningStats(INDArray mean, INDArray biasedVar, long count) {
        double m = layerConf().getMomentum();
        getParam(BatchNormParamInitializer.MEAN).muli(1 - m).addi(mean.mul(m));
        getParam(BatchNormParamInitializer.VAR).muli(1 - m).addi(biasedVar.mul(m * count / (count - 1.0)));
    }

    /** Copies for oneDNN, which reads a buffer from its start (a parameter is a view into the flat parameters). */
    private INDArray runningMean() {
        return getParam(BatchNormParamInitializer.MEAN).dup();
    }

    private INDArray runningVar() {
        return getParam(BatchNormParamInitializer.VAR).dup();
    }

    /** The mean the last forward pass normalised with: the batch's in training, the running one otherwise. */
    private INDArray lastMean() {
        return lastForwardTrained ? batchMean : getParam(BatchNormParamInitializer.MEAN);
    }

    /** The (biased) variance the last forward pass normalised with. */
    private INDArray lastVar() {
        return lastForwardTrained ? batchVar : getParam(BatchNormParamInitializer.VAR);
    }

    private INDArray invStd() {
        return Transforms.pow(lastVar().add(layerConf().getEps()), -0.5, false);
    }

    /** [gamma; beta] as the [2, C] block oneDNN takes. */
    private INDArray scaleShift() {
        INDArray gamma = getParam(BatchNormParamInitializer.GAMMA);
        INDArray ss = Nd4j.createUninitialized(dataType, 2, gamma.length());
        ss.getRow(0).assign(gamma);
        ss.getRow(1).assign(getParam(BatchNormParamInitializer.BETA));
        return ss;
    }

    /** The fused ReLU's mask, kept by the layer (outside workspaces) from forward to backward. */
    private INDArray reluMask(long[] shape, float eps) {
        long bytes = OneDnnBatchNorm.INSTANCE.workspaceBytes(shape, eps);
        if (reluMask == null || reluMask.length() < bytes) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                reluMask = Nd4j.createUninitialized(DataType.BYTE, Math.max(bytes, 1));
            }
        }
        return reluMask;
    }

    /**
     * Whether inference runs on the heap: small float32 {@code [N, C]} inputs (the SK attention's, of a
     * few thousand values) with an identity or ReLU activation. As ND4J ops, two broadcasts and the
     * ReLU, they were three native calls of ~50-100 us each per layer and pass.
     */
    private boolean onHeap(INDArray x, IActivation afn, boolean relu) {
        return helper && x.rank() == 2 && x.dataType() == DataType.FLOAT && x.length() <= HEAP_MAX_VALUES
                && (relu || afn instanceof ActivationIdentity);
    }

    /** {@link #affine} (and the ReLU) on the heap, in float32 as ND4J computes it: the same values. */
    private void affineOnHeap(INDArray x, boolean relu, INDArray y) {
        INDArray[] ss = scaleAndShift();
        float[] scale = HeapArrays.readFloats(ss[0]);
        float[] shift = HeapArrays.readFloats(ss[1]);
        float[] v = HeapArrays.readFloats(x);
        int c = scale.length;
        for (int i = 0; i < v.length; i++) {
            float z = v[i] * scale[i % c] + shift[i % c];
            v[i] = relu && z < 0f ? 0f : z;
        }
        HeapArrays.write(v, y);
    }

    /** z = gamma * (x - mean) * invStd + beta = x * scale + shift, with the statistics of the last forward pass. */
    private void affine(INDArray x, INDArray z) {
        INDArray[] ss = scaleAndShift();
        perChannel(new BroadcastMulOp(x, ss[0], z, 1));
        perChannel(new BroadcastAddOp(z, ss[1], z, 1));
    }

    /**
     * {scale, shift} per channel for the statistics of the last forward pass, computed on the heap: as
     * ND4J ops they were eight small native calls per layer and pass, ~7% of SKNet-50's inference time.
     * Kept between inference passes if {@link #keepInferenceScaleShift} (computing them was still ~6 ms
     * of a batch-1 SKNet-50 pass at 224, 25 ms of its first).
     */
    private INDArray[] scaleAndShift() {
        if (!keep || lastForwardTrained) {
            return computeScaleAndShift();
        }
        if (keptScaleShift == null) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                keptScaleShift = computeScaleAndShift();
            }
        }
        return keptScaleShift;
    }

    private INDArray[] computeScaleAndShift() {
        double[] gamma = HeapArrays.read(getParam(BatchNormParamInitializer.GAMMA));
        double[] beta = HeapArrays.read(getParam(BatchNormParamInitializer.BETA));
        double[] mean = HeapArrays.read(lastMean());
        double[] var = HeapArrays.read(lastVar());
        double eps = layerConf().getEps();
        double[] scale = new double[gamma.length], shift = new double[gamma.length];
        for (int c = 0; c < gamma.length; c++) {
            scale[c] = gamma[c] / Math.sqrt(var[c] + eps);
            shift[c] = beta[c] - mean[c] * scale[c];
        }
        return new INDArray[] {HeapArrays.of(scale, dataType, scale.length), HeapArrays.of(shift, dataType, shift.length)};
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = checkedInput();
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dGamma, dBeta;
        if (lastForwardOneDnn && lastForwardTrained) {
            IActivation afn = layerConf().getActivationFn();
            INDArray dss = Nd4j.createUninitialized(dataType, 2, x.size(1));
            INDArray dy = epsilon.castTo(dataType);
            dy = OneDnn.fits(dy) ? dy : dy.dup('c');
            OneDnnBatchNorm.INSTANCE.backward(x, dy, scaleShift(), batchMean, batchVar, (float) layerConf().getEps(),
                    !(afn instanceof ActivationIdentity), reluMask, dx, dss);
            dGamma = dss.getRow(0);
            dBeta = dss.getRow(1);
        } else {
            INDArray[] g = backpropNd4j(x, epsilon, dx);
            dGamma = g[0];
            dBeta = g[1];
        }
        Gradient g = new DefaultGradient();
        gradientViews.get(BatchNormParamInitializer.GAMMA).assign(dGamma);
        gradientViews.get(BatchNormParamInitializer.BETA).assign(dBeta);
        gradientViews.get(BatchNormParamInitializer.MEAN).assign(0);
        gradientViews.get(BatchNormParamInitializer.VAR).assign(0);
        for (String k : new String[] {BatchNormParamInitializer.GAMMA, BatchNormParamInitializer.BETA,
                BatchNormParamInitializer.MEAN, BatchNormParamInitializer.VAR}) {
            g.setGradientFor(k, gradientViews.get(k));
        }
        return new Pair<>(g, dx);
    }

    /** Writes dL/dx into dx; returns {dL/dgamma, dL/dbeta}. */
    private INDArray[] backpropNd4j(INDArray x, INDArray epsilon, INDArray dx) {
        int[] dims = reduceDims(x);
        double count = x.length() / x.size(1);
        INDArray delta = epsilon.castTo(dataType);
        IActivation afn = layerConf().getActivationFn();
        if (!(afn instanceof ActivationIdentity)) {
            INDArray z = Nd4j.createUninitialized(dataType, x.shape());
            affine(x, z);
            delta = afn.backprop(z, delta).getFirst();
        }
        INDArray gamma = getParam(BatchNormParamInitializer.GAMMA);
        INDArray invStd = invStd();
        INDArray xhat = Nd4j.createUninitialized(dataType, x.shape());
        perChannel(new BroadcastSubOp(x, lastMean(), xhat, 1));
        perChannel(new BroadcastMulOp(xhat, invStd, xhat, 1));
        INDArray dBeta = delta.sum(dims);
        INDArray dGamma = delta.mul(xhat).sum(dims);
        if (lastForwardTrained) {
            // dx = gamma / std * (delta - mean(delta) - xhat * mean(delta * xhat))
            perChannel(new BroadcastMulOp(xhat, dGamma.div(count), dx, 1));
            dx.rsubi(delta);
            perChannel(new BroadcastSubOp(dx, dBeta.div(count), dx, 1));
            perChannel(new BroadcastMulOp(dx, gamma.mul(invStd), dx, 1));
        } else {
            perChannel(new BroadcastMulOp(delta, gamma.mul(invStd), dx, 1));
        }
        return new INDArray[] {dGamma, dBeta};
    }

    private INDArray checkedInput() {
        BatchNorm c = layerConf();
        if (input.rank() != 2 && input.rank() != 4) {
            throw new DL4JInvalidInputException(c.describe() + ": expects rank 2 [N, C] or rank 4 [N, C, H, W] input, "
                    + "got shape " + Arrays.toString(input.shape()) + " " + layerId());
        }
        if (input.size(1) != c.getNOut()) {
            throw new DL4JInvalidInputException(c.describe() + ": expects " + c.getNOut() + " channels, got shape "
                    + Arrays.toString(input.shape()) + " " + layerId());
        }
        INDArray x = input.castTo(dataType);
        return helper && x.rank() == 4 && !OneDnn.fits(x) && x.dataType() == DataType.FLOAT
                ? x.dup('c') : x;
    }

    private static int[] reduceDims(INDArray x) {
        return x.rank() == 2 ? new int[] {0} : new int[] {0, 2, 3};
    }

    private static void perChannel(org.nd4j.linalg.api.ops.BroadcastOp op) {
        Nd4j.getExecutioner().exec(op);
    }
}
