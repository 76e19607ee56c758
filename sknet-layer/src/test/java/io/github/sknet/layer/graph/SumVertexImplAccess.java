package io.github.sknet.layer.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link CpuSumHelper} (package-private) run for the tests of other packages. */
public final class SumVertexImplAccess {
    private SumVertexImplAccess() {
    }

    /** {out, dL/d in_0, ...} of the sum helper for L = sum(out * dy), every gradient an array of its own. */
    public static INDArray[] helperRun(INDArray[] in, boolean relu, INDArray dy) {
        INDArray out = Nd4j.create(DataType.DOUBLE, in[0].shape());
        CpuSumHelper.INSTANCE.forward(in, relu, out);
        INDArray[] d = new INDArray[in.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Nd4j.create(DataType.DOUBLE, in[0].shape());
        }
        CpuSumHelper.INSTANCE.backward(out, relu, dy, d);
        INDArray[] all = new INDArray[in.length + 1];
        all[0] = out;
        System.arraycopy(d, 0, all, 1, d.length);
        return all;
    }
}
