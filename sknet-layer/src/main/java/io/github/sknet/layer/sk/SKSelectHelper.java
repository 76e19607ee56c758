package io.github.sknet.layer.sk;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/**
 * A fast implementation of {@link SKSelectVertex}'s definition: logits [N, M*C] (branch-major), branch
 * outputs u_i [N, C, H, W]. Arrays are c-ordered; outputs preallocated and overwritten.
 */
public interface SKSelectHelper {

    /** v = sum_i softmax_i(logits)[:, i, :] * u_i. */
    void forward(INDArray logits, INDArray[] u, INDArray v);

    /** dLogits [N, M*C] and du_i for dv = dL/dv. */
    void backward(INDArray logits, INDArray[] u, INDArray dv, INDArray dLogits, INDArray[] du);

    String name();

    /** The helper for a vertex computing in {@code dataType}, or null (the SameDiff definition runs). */
    static SKSelectHelper forDataType(DataType dataType) {
        return Helpers.enabled() && dataType == DataType.FLOAT && OneDnn.cpuBackend() ? CpuSKSelectHelper.INSTANCE : null;
    }
}
