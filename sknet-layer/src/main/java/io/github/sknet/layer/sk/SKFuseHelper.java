package io.github.sknet.layer.sk;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/** A fast implementation of {@link SKFuseVertex}'s definition. Arrays are c-ordered; outputs preallocated. */
public interface SKFuseHelper {

    /** s [N, C] = mean over H, W of (sum_i u_i), u_i [N, C, H, W]. */
    void forward(INDArray[] u, INDArray s);

    /**
     * du_i = ds / (H W) at every pixel, for ds [N, C]. {@code du} entries may be one array (the caller
     * decided sharing is safe); each distinct one is written.
     */
    void backward(INDArray ds, INDArray[] du);

    String name();

    /** The helper for a vertex computing in {@code dataType}, or null (the SameDiff definition runs). */
    static SKFuseHelper forDataType(DataType dataType) {
        return Helpers.enabled() && dataType == DataType.FLOAT && OneDnn.cpuBackend() ? BlasSKFuseHelper.INSTANCE : null;
    }
}
