package io.github.sknet.layer.conv;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.SameDiffLayerWithHelper;

/**
 * The runtime of {@link GroupedConv2D}: geometry checks, then its {@link GroupedConvHelper} where one
 * applies (chosen once, here), else the SameDiff definition.
 */
public class GroupedConv2DLayer extends SameDiffLayerWithHelper<GroupedConvHelper> {

    /** The helper's copy of the weights kept between inference passes; null unless {@link #keepPreparedWeights}. */
    private transient PreparedWeights prepared;

    public GroupedConv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType, GroupedConvHelper.forDataType(dataType));
    }

    /**
     * Whether inference passes may reuse the helper's copy of the weights in its own layout (oneDNN's
     * blocked one) instead of converting them on every pass. The copy is dropped by every training pass
     * and every parameter setter of this layer; writes straight into the parameter arrays (e.g.
     * {@code ComputationGraph.setParams}) are not seen: call {@link #weightsChanged} after them.
     */
    public void keepPreparedWeights(boolean keep) {
        prepared = keep && helper != null ? helper.preparedWeights() : null;
    }

    /** Drops the kept copy of the weights (see {@link #keepPreparedWeights}). */
    public void weightsChanged() {
        if (prepared != null) {
            prepared.invalidate();
        }
    }

    /** How often the kept copy was filled (for tests); 0 without one. */
    int preparedWeightConversions() {
        return prepared == null ? 0 : prepared.conversions();
    }

    @Override
    public void setParams(INDArray params) {
        super.setParams(params);
        weightsChanged();
    }

    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        weightsChanged();
    }

    @Override
    public void setParamsViewArray(INDArray params) {
        super.setParamsViewArray(params);
        weightsChanged();
    }

    @Override
    public void setParamTable(java.util.Map<String, INDArray> paramTable) {
        super.setParamTable(paramTable);
        weightsChanged();
    }

    @Override
    public GroupedConv2D layerConf() {
        return (GroupedConv2D) super.layerConf();
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        ConvGeometry g = geometry(); // the same message on either path
        return helper != null || nd4jOneDnnFits(g) ? super.activate(training, workspaceMgr)
                : withoutPlatformHelpers(() -> super.activate(training, workspaceMgr));
    }

    /** The SameDiff path computes dL/dx anyway; without {@code inputGradient} it is not handed on. */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        ConvGeometry geo = geometry();
        if (helper != null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        Pair<Gradient, INDArray> g = nd4jOneDnnFits(geo) ? super.backpropGradient(epsilon, workspaceMgr)
                : withoutPlatformHelpers(() -> super.backpropGradient(epsilon, workspaceMgr));
        return layerConf().isInputGradient() ? g : new Pair<>(g.getFirst(), null);
    }

    /**
     * Whether ND4J's own oneDNN kernel (2-4x its generic one) takes the definition's (undilated)
     * convolution: it refuses those whose last window ends before the padded edge ("could not create a
     * descriptor for a dilated convolution forward propagation primitive" in 1.0.0-M2.1, e.g. a 1x1
     * stride-2 convolution of an even size), which the generic kernel computes correctly.
     */
    private static boolean nd4jOneDnnFits(ConvGeometry g) {
        long kH = (long) (g.kH - 1) * g.dH + 1, kW = (long) (g.kW - 1) * g.dW + 1;
        return (g.outH - 1) * g.sH + kH - g.inH - g.pH >= 0 && (g.outW - 1) * g.sW + kW - g.inW - g.pW >= 0;
    }

    /** Runs ND4J's convolutions on its generic kernels, without its oneDNN platform helper. */
    private static <T> T withoutPlatformHelpers(java.util.function.Supplier<T> run) {
        Environment env = Nd4j.getEnvironment();
        boolean allowed = env.helpersAllowed();
        env.allowHelpers(false);
        try {
            return run.get();
        } finally {
            env.allowHelpers(allowed);
        }
    }

    @Override
    protected INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        applyDropOutIfNecessary(training, workspaceMgr);
        IActivation afn = layerConf().getActivationFn();
        // a plain ReLU runs inside the convolution where the helper can fuse it (oneDNN: a post-op);
        // backprop recomputes the pre-activation, so training is unaffected
        boolean fuseRelu = OneDnn.isPlainRelu(afn);
        if (training) { // the weights change after this pass
            weightsChanged();
        }
        INDArray y = convolve(workspaceMgr, ArrayType.ACTIVATIONS, fuseRelu, training ? null : prepared);
        return fuseRelu || afn == null || afn instanceof ActivationIdentity ? y : afn.getActivation(y, training);
    }

    @Override
    protected Pair<Gradient, INDArray> helperBackward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        ConvGeometry g = geometry();
        IActivation afn = layerConf().getActivationFn();
        INDArray delta = epsilon;
        if (afn != null && !(afn instanceof ActivationIdentity)) {
            INDArray z = convolve(workspaceMgr, ArrayType.BP_WORKING_MEM, false, null);
            delta = afn.backprop(z, epsilon).getFirst();
        }
        delta = contiguous(delta.castTo(dataType));
        INDArray x = contiguous(input.castTo(dataType));
        INDArray dx = layerConf().isInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c') : null;
        INDArray dw = gradTable.get(GroupedConv2D.WEIGHT_KEY);
        weightsChanged();
        helper.backward(g, x, weights(), delta, dx, dw);

        Gradient grad = new DefaultGradient();
        grad.setGradientFor(GroupedConv2D.WEIGHT_KEY, dw, 'c');
        if (layerConf().hasBias()) {
            INDArray db = gradTable.get(GroupedConv2D.BIAS_KEY);
            db.assign(delta.sum(0, 2, 3).reshape(db.shape()));
            grad.setGradientFor(GroupedConv2D.BIAS_KEY, db);
        }
        return new Pair<>(grad, dx == null ? null : backpropDropOutIfPresent(dx));
    }

    /** conv(x, W) + b, and max(., 0) if {@code relu}; the weights kept in {@code kept} if not null. */
    private INDArray convolve(LayerWorkspaceMgr workspaceMgr, ArrayType type, boolean relu, PreparedWeights kept) {
        ConvGeometry g = geometry();
        INDArray x = contiguous(input.castTo(dataType));
        INDArray y = workspaceMgr.createUninitialized(type, dataType, g.outputShape(), 'c');
        INDArray b = layerConf().hasBias() ? contiguous(getParam(GroupedConv2D.BIAS_KEY).castTo(dataType)) : null;
        helper.forward(g, x, weights(), b, relu, y, kept);
        return y;
    }

    /** The weights as the helper reads them: the parameter view itself where it is dense. */
    private INDArray weights() {
        INDArray w = getParam(GroupedConv2D.WEIGHT_KEY).castTo(dataType);
        return OneDnn.fits(w) ? w : contiguous(w);
    }

    private ConvGeometry geometry() {
        GroupedConv2D c = layerConf();
        if (input.rank() != 4) {
            throw new DL4JInvalidInputException(c.describe() + ": expects rank 4 input [N, C, H, W], got rank "
                    + input.rank() + " with shape " + Arrays.toString(input.shape()) + " " + layerId());
        }
        if (input.size(1) != c.getNIn()) {
            throw new DL4JInvalidInputException(c.describe() + ": expects " + c.getNIn()
                    + " input channels (NCHW), got shape " + Arrays.toString(input.shape()) + " " + layerId());
        }
        ConvGeometry g = new ConvGeometry(input.size(0), input.size(1), input.size(2), input.size(3), c.getNOut(),
                c.getGroups(), c.getKernelSize(), c.getStride(), c.getPadding(), c.getDilation());
        if (g.outH < 1 || g.outW < 1) {
            throw new DL4JInvalidInputException(c.describe() + ": input " + g.inH + "x" + g.inW
                    + " is too small for the kernel, dilation and padding (output " + g.outH + "x" + g.outW + ") "
                    + layerId());
        }
        return g;
    }

    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && !a.isView() ? a : a.dup('c');
    }

    @Override
    public String toString() {
        return "GroupedConv2DLayer(" + layerConf().describe() + ", " + (helper == null ? "SameDiff" : helper.name()) + ")";
    }
}
