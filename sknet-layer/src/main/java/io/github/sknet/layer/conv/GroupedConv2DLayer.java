package io.github.sknet.layer.conv;

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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;

/** The runtime of {@link GroupedConv2D}: geometry checks, then the fastest {@link GroupedConvEngine} that fits. */
public class GroupedConv2DLayer extends BaseLayer<GroupedConv2D> {

    public GroupedConv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    /**
     * The weight view is c-ordered ({@link GroupedConv2DParamInitializer}); BaseLayer would copy a flat
     * array into it in 'f' order and permute the weights (TransferLearning rebuilding a graph does this),
     * so copy in 'c' order, as DL4J's ConvolutionLayer does.
     */
    @Override
    public void setParams(INDArray params) {
        setParams(params, 'c');
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        IActivation afn = layerConf().getActivationFn();
        // a plain ReLU runs inside the convolution where the engine can fuse it (oneDNN: a post-op);
        // backprop recomputes the pre-activation, so training is unaffected
        boolean fuseRelu = OneDnn.isPlainRelu(afn);
        INDArray y = convolve(workspaceMgr, ArrayType.ACTIVATIONS, fuseRelu);
        return fuseRelu || afn instanceof ActivationIdentity ? y : afn.getActivation(y, training);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        ConvGeometry g = geometry();
        IActivation afn = layerConf().getActivationFn();
        INDArray delta = epsilon;
        if (!(afn instanceof ActivationIdentity)) {
            INDArray z = convolve(workspaceMgr, ArrayType.BP_WORKING_MEM, false);
            delta = afn.backprop(z, epsilon).getFirst();
        }
        delta = contiguous(delta.castTo(dataType));
        INDArray x = contiguous(input.castTo(dataType));
        INDArray dx = layerConf().isInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c') : null;
        INDArray dw = gradientViews.get(GroupedConv2DParamInitializer.WEIGHT_KEY);
        GroupedConvEngine engine = GroupedConvEngine.select(x);
        // oneDNN writes into the gradient view itself (a dense slice of the flat gradient); a buffer of its
        // own per call was fresh memory every step (up to 8 MB a layer, page faults on every write)
        boolean direct = engine instanceof OneDnnGroupedConvEngine && OneDnn.fits(dw);
        INDArray dwOut = direct ? dw : Nd4j.createUninitialized(dataType, g.weightShape());
        engine.backward(g, x, weights(engine), delta, dx, dwOut);
        if (!direct) {
            dw.assign(dwOut);
        }

        Gradient grad = new DefaultGradient();
        grad.setGradientFor(GroupedConv2DParamInitializer.WEIGHT_KEY, dw, 'c');
        if (layerConf().hasBias()) {
            INDArray db = gradientViews.get(GroupedConv2DParamInitializer.BIAS_KEY);
            db.assign(delta.sum(0, 2, 3));
            grad.setGradientFor(GroupedConv2DParamInitializer.BIAS_KEY, db);
        }
        return new Pair<>(grad, dx == null ? null : backpropDropOutIfPresent(dx));
    }

    /** conv(x, W) + b, and max(., 0) if {@code relu}. */
    private INDArray convolve(LayerWorkspaceMgr workspaceMgr, ArrayType type, boolean relu) {
        ConvGeometry g = geometry();
        INDArray x = contiguous(input.castTo(dataType));
        INDArray y = workspaceMgr.createUninitialized(type, dataType, g.outputShape(), 'c');
        INDArray b = layerConf().hasBias()
                ? contiguous(getParam(GroupedConv2DParamInitializer.BIAS_KEY).castTo(dataType)) : null;
        GroupedConvEngine engine = GroupedConvEngine.select(x);
        engine.forward(g, x, weights(engine), b, relu, y);
        return y;
    }

    private INDArray weights(GroupedConvEngine engine) {
        INDArray w = getParam(GroupedConv2DParamInitializer.WEIGHT_KEY).castTo(dataType);
        // oneDNN reads the parameter view in place; the ND4J engine slices it per group, which needs an array of its own
        return engine == OneDnnGroupedConvEngine.INSTANCE && OneDnn.fits(w) ? w : contiguous(w);
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
}
