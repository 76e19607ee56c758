package io.github.sknet.layer.conv;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/**
 * A fast implementation of {@link GroupedConv2D}'s definition, forward and backward. All arrays are
 * c-ordered, NCHW; weights are [out, in / groups, kH, kW], a bias [out]. Outputs are preallocated by the
 * caller and overwritten. Backward is that of the bias-free convolution: bias and activation gradients
 * are the layer's business.
 */
public interface GroupedConvHelper {

    /** y = conv(x, w) + bias (bias may be null), then max(y, 0) if {@code relu}. */
    void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y);

    /**
     * The same, for inference passes whose weights {@code w} have not changed since the last call with
     * {@code prepared} (the caller invalidates it when they may have): the helper may keep the weights
     * there in its own layout instead of converting them on every call.
     */
    default void forward(ConvGeometry g, INDArray x, INDArray w, INDArray bias, boolean relu, INDArray y,
                         PreparedWeights prepared) {
        forward(g, x, w, bias, relu, y);
    }

    /** A holder for {@link #forward(ConvGeometry, INDArray, INDArray, INDArray, boolean, INDArray, PreparedWeights)}, or null if this helper keeps none. */
    default PreparedWeights preparedWeights() {
        return null;
    }

    /**
     * dx = dL/dx (skipped where dx is null) and dw = dL/dw for dy = dL/dy. {@code dw} may be a view of
     * the network's flat gradient.
     */
    void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw);

    /** Short name for logs and benchmarks. */
    String name();

    /**
     * The helper for a layer computing in {@code dataType}, or null, where the SameDiff definition runs:
     * oneDNN for float32 on the CPU when it loads and helpers are enabled ({@link Helpers}).
     */
    static GroupedConvHelper forDataType(DataType dataType) {
        return Helpers.enabled() && dataType == DataType.FLOAT && OneDnn.isAvailable()
                ? OneDnnGroupedConvHelper.INSTANCE : null;
    }
}
