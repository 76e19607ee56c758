package io.github.sknet.layer.pool;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * The runtime of {@link MaxPool2D}: its {@link MaxPoolHelper} (chosen once, here) for NCHW max pooling
 * with explicit padding and no dilation, else DL4J's own {@link SubsamplingLayer} (which also gives
 * the messages for bad input).
 */
public class MaxPool2DLayer extends SubsamplingLayer {
    private final MaxPoolHelper pooling;

    public MaxPool2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
        boolean plain = c.getPoolingType() == PoolingType.MAX && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && c.getConvolutionMode() != ConvolutionMode.Same && Arrays.equals(c.getDilation(), new int[] {1, 1});
        this.pooling = plain ? MaxPoolHelper.forDataType(dataType) : null;
    }

    /** The helper this layer runs, or null when it runs DL4J's pooling. */
    public MaxPoolHelper poolingHelper() {
        return pooling;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        PoolGeometry g = helperGeometry();
        if (g == null) {
            return super.activate(training, workspaceMgr);
        }
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, g.outputShape(), 'c');
        pooling.forward(g, dense(input), y);
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        PoolGeometry g = helperGeometry();
        if (g == null || !Arrays.equals(epsilon.shape(), g.outputShape())) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c');
        pooling.backward(g, dense(input), dense(epsilon), dx);
        return new Pair<>(new DefaultGradient(), dx); // no parameters, no gradients of its own
    }

    /** This call's geometry where the helper runs it, else null. */
    private PoolGeometry helperGeometry() {
        if (pooling == null || input.rank() != 4) {
            return null;
        }
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
        int[] k = c.getKernelSize(), s = c.getStride(), p = c.getPadding();
        PoolGeometry g = new PoolGeometry(input.size(0), input.size(1), input.size(2), input.size(3), k[0], k[1],
                s[0], s[1], p[0], p[1]);
        return pooling.supports(g) ? g : null;
    }

    /** The array in this layer's type, dense and c-ordered (itself where it is). */
    private INDArray dense(INDArray a) {
        INDArray t = a.castTo(dataType);
        return OneDnn.dense(t) ? t : t.dup('c');
    }

    @Override
    public String toString() {
        return "MaxPool2DLayer(" + (pooling == null ? "DL4J" : pooling.name()) + ")";
    }
}
