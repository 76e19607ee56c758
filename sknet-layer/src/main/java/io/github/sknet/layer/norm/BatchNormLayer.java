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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime of {@link BatchNorm}. The forward pass keeps only the per-channel batch mean and
 * 1/std; the backward pass rebuilds the normalised input from the layer's input.
 */
public class BatchNormLayer extends BaseLayer<BatchNorm> {
    private INDArray batchMean;
    private INDArray batchInvStd;
    private boolean lastForwardTrained;

    public BatchNormLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
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
        if (training) {
            batchStatistics(x, workspaceMgr);
        } else {
            lastForwardTrained = false;
        }
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        affine(x, z);
        IActivation afn = layerConf().getActivationFn();
        return afn instanceof ActivationIdentity ? z : afn.getActivation(z, training);
    }

    /** Batch mean and 1/std for this forward pass, and the running statistics' update (PyTorch's order). */
    private void batchStatistics(INDArray x, LayerWorkspaceMgr workspaceMgr) {
        BatchNorm c = layerConf();
        int[] dims = reduceDims(x);
        long count = x.length() / x.size(1);
        if (count < 2) {
            throw new DL4JInvalidInputException(c.describe() + ": training needs more than one value per channel, "
                    + "got input shape " + Arrays.toString(x.shape()) + " (use a larger batch, or inference mode) "
                    + layerId());
        }
        INDArray mean = x.mean(dims);
        INDArray var = x.var(false, dims);
        // kept for backprop: the INPUT workspace outlives the forward pass's working memory
        batchMean = workspaceMgr.leverageTo(ArrayType.INPUT, mean);
        batchInvStd = workspaceMgr.leverageTo(ArrayType.INPUT, Transforms.pow(var.add(c.getEps()), -0.5, false));
        lastForwardTrained = true;
        updateRunningStats(mean, var, count);
    }

    private INDArray mean() {
        return lastForwardTrained ? batchMean : getParam(BatchNormParamInitializer.MEAN);
    }

    private INDArray invStd() {
        return lastForwardTrained ? batchInvStd
                : Transforms.pow(getParam(BatchNormParamInitializer.VAR).add(layerConf().getEps()), -0.5, false);
    }

    /** z = gamma * (x - mean) * invStd + beta, with the statistics of the last forward pass. */
    private void affine(INDArray x, INDArray z) {
        INDArray scale = getParam(BatchNormParamInitializer.GAMMA).mul(invStd());
        INDArray shift = getParam(BatchNormParamInitializer.BETA).sub(mean().mul(scale));
        perChannel(new BroadcastMulOp(x, scale, z, 1));
        perChannel(new BroadcastAddOp(z, shift, z, 1));
    }

    private void updateRunningStats(INDArray mean, INDArray biasedVar, long count) {
        double m = layerConf().getMomentum();
        INDArray runMean = getParam(BatchNormParamInitializer.MEAN);
        INDArray runVar = getParam(BatchNormParamInitializer.VAR);
        runMean.muli(1 - m).addi(mean.mul(m));
        runVar.muli(1 - m).addi(biasedVar.mul(m * count / (count - 1.0)));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = checkedInput();
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
        INDArray mean = mean();
        INDArray invStd = invStd();

        INDArray xhat = Nd4j.createUninitialized(dataType, x.shape());
        perChannel(new BroadcastSubOp(x, mean, xhat, 1));
        perChannel(new BroadcastMulOp(xhat, invStd, xhat, 1));
        INDArray dBeta = delta.sum(dims);
        INDArray dGamma = delta.mul(xhat).sum(dims);

        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        if (lastForwardTrained) {
            // dx = gamma / std * (delta - mean(delta) - xhat * mean(delta * xhat))
            perChannel(new BroadcastMulOp(xhat, dGamma.div(count), dx, 1));
            dx.rsubi(delta);
            perChannel(new BroadcastSubOp(dx, dBeta.div(count), dx, 1));
            perChannel(new BroadcastMulOp(dx, gamma.mul(invStd), dx, 1));
        } else {
            perChannel(new BroadcastMulOp(delta, gamma.mul(invStd), dx, 1));
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
        return input.castTo(dataType);
    }

    private static int[] reduceDims(INDArray x) {
        return x.rank() == 2 ? new int[] {0} : new int[] {0, 2, 3};
    }

    private static void perChannel(org.nd4j.linalg.api.ops.BroadcastOp op) {
        Nd4j.getExecutioner().exec(op);
    }
}
