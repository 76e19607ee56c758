package io.github.sknet.layer.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/** A fast implementation of {@link SumVertex}'s definition. Arrays are c-ordered; outputs preallocated. */
public interface SumHelper {

    /** out = sum of {@code in}, then max(out, 0) if {@code relu}. */
    void forward(INDArray[] in, boolean relu, INDArray out);

    /**
     * The gradient of every input for {@code eps} = dL/d(out), written into {@code dIn} (whose entries
     * may be one array: the caller decided sharing is safe). With ReLU, {@code out} is the forward's output.
     */
    void backward(INDArray out, boolean relu, INDArray eps, INDArray[] dIn);

    String name();

    /** The helper for a vertex computing in {@code dataType}, or null (the SameDiff definition runs). */
    static SumHelper forDataType(DataType dataType) {
        return Helpers.enabled() && dataType == DataType.FLOAT && OneDnn.cpuBackend() ? CpuSumHelper.INSTANCE : null;
    }
}
