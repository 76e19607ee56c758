package io.github.sknet.layer.pool;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/**
 * A fast implementation of {@link MaxPool2D}: PyTorch's {@code MaxPool2d} semantics (padding is never a
 * window's maximum; a window's gradient goes to its first maximum in row-major order). All arrays are
 * dense, c-ordered NCHW; outputs are preallocated by the caller and overwritten.
 */
public interface MaxPoolHelper {

    /** Whether this helper runs {@code g}; where it does not, the layer runs DL4J's own pooling. */
    boolean supports(PoolGeometry g);

    /** y = the maximum of each window of x. */
    void forward(PoolGeometry g, INDArray x, INDArray y);

    /** dx = dL/dx for dy = dL/dy, the pooling's input x as in the forward pass. */
    void backward(PoolGeometry g, INDArray x, INDArray dy, INDArray dx);

    /** Short name for logs. */
    String name();

    /**
     * The helper for a layer computing in {@code dataType}, or null, where DL4J's pooling runs: oneDNN
     * for float32 on the CPU when it loads and helpers are enabled ({@link Helpers}).
     */
    static MaxPoolHelper forDataType(DataType dataType) {
        return Helpers.enabled() && dataType == DataType.FLOAT && OneDnn.isAvailable()
                ? OneDnnMaxPoolHelper.INSTANCE : null;
    }
}
