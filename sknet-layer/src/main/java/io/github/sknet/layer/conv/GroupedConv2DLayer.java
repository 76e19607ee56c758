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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

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

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = preOutput(workspaceMgr, ArrayType.ACTIVATIONS);
        IActivation afn = layerConf().getActivationFn();
        return afn instanceof ActivationIdentity ? z : afn.getActivation(z, training);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        ConvGeometry g = geometry();
        IActivation afn = layerConf().getActivationFn();
        INDArray delta = epsilon;
        if (!(afn instanceof ActivationIdentity)) {
            INDArray z = preOutput(workspaceMgr, ArrayType.BP_WORKING_MEM);
            delta = afn.backprop(z, epsilon).getFirst();
        }
        delta = contiguous(delta.castTo(dataType));
        INDArray x = contiguous(input.castTo(dataType));
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c');
        INDArray dw = gradientViews.get(GroupedConv2DParamInitializer.WEIGHT_KEY);
        INDArray dwOut = Nd4j.createUninitialized(dataType, g.weightShape()); // engines need a buffer of their own
        GroupedConvEngine.select(x).backward(g, x, weights(), delta, dx, dwOut);
        dw.assign(dwOut);

        Gradient grad = new DefaultGradient();
        grad.setGradientFor(GroupedConv2DParamInitializer.WEIGHT_KEY, dw, 'c');
        if (layerConf().hasBias()) {
            INDArray db = gradientViews.get(GroupedConv2DParamInitializer.BIAS_KEY);
            db.assign(delta.sum(0, 2, 3));
            grad.setGradientFor(GroupedConv2DParamInitializer.BIAS_KEY, db);
        }
        return new Pair<>(grad, backpropDropOutIfPresent(dx));
    }

    private INDArray preOutput(LayerWorkspaceMgr workspaceMgr, ArrayType type) {
        ConvGeometry g = geometry();
        INDArray x = contiguous(input.castTo(dataType));
        INDArray y = workspaceMgr.createUninitialized(type, dataType, g.outputShape(), 'c');
        GroupedConvEngine.select(x).forward(g, x, weights(), y);
        if (layerConf().hasBias()) {
            INDArray b = getParam(GroupedConv2DParamInitializer.BIAS_KEY);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(y, b.reshape(b.length()), y, 1));
        }
        return y;
    }

    private INDArray weights() {
        return contiguous(getParam(GroupedConv2DParamInitializer.WEIGHT_KEY).castTo(dataType));
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
