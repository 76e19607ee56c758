package io.github.sknet.layer.conv;

import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * The arithmetic of a bias-free grouped convolution, forward and backward. All arrays are c-ordered,
 * NCHW; weights are [out, in / groups, kH, kW]. Outputs are preallocated by the caller and overwritten.
 */
public interface GroupedConvEngine {

    /** y = conv(x, w). */
    void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y);

    /** dx = dL/dx and dw = dL/dw for dy = dL/dy. */
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
