package io.github.sknet.layer.conv;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * The arithmetic of a grouped convolution, forward and backward. All arrays are c-ordered, NCHW;
 * weights are [out, in / groups, kH, kW], a bias [out]. Outputs are preallocated by the caller and
 * overwritten. Backward is that of the bias-free convolution: bias and activation gradients are the
 * layer's business.
 */
public interface GroupedConvEngine {

    /** y = conv(x, w). */
    void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y);

    /**
     * y = conv(x, w) + bias (bias may be null), then max(y, 0) if {@code relu}. This default runs them one
     * after another; an engine that can fuse them into the convolution (oneDNN) overrides it.
     */
    default void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y) {
        forward(g, x, w, y);
        addBiasRelu(y, bias, relu);
    }

    /** y += bias per output channel (bias may be null), then max(y, 0) if {@code relu}; ND4J, in place. */
    static void addBiasRelu(INDArray y, INDArray bias, boolean relu) {
        if (bias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(y, bias.reshape(bias.length()), y, 1));
        }
        if (relu) {
            Transforms.relu(y, false);
        }
    }

    /** dx = dL/dx (skipped where dx is null) and dw = dL/dw for dy = dL/dy. */
    void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw);

    /** Short name for logs and benchmarks. */
    String name();

    /** The engine for these arrays: oneDNN for float32 on the CPU when it loads, else the ND4J fallback. */
    static GroupedConvEngine select(INDArray x) {
        String forced = System.getProperty("sknet.conv.engine", "auto");
        if (forced.equals("nd4j")) {
            return Nd4jGroupedConvEngine.INSTANCE;
        }
        boolean oneDnnFits = x.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT
                && OneDnn.isAvailable();
        if (forced.equals("onednn") && !oneDnnFits) {
            throw new IllegalStateException("sknet.conv.engine=onednn, but oneDNN cannot run this convolution ("
                    + x.dataType() + " data, oneDNN " + (OneDnn.isAvailable() ? "loaded" : "not loaded: "
                    + OneDnn.loadError()) + ")");
        }
        return oneDnnFits ? OneDnnGroupedConvEngine.INSTANCE : Nd4jGroupedConvEngine.INSTANCE;
    }
}
