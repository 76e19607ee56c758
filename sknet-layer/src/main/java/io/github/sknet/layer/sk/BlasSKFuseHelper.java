package io.github.sknet.layer.sk;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.graph.GradientSharing;

/**
 * The fuse as BLAS matrix-vector products: {@code U = sum_i U_i} is needed only for its spatial mean,
 * the sum of the branches' means, so U is never written, and its gradient, the same for every branch,
 * is written once.
 */
final class BlasSKFuseHelper implements SKFuseHelper {
    static final BlasSKFuseHelper INSTANCE = new BlasSKFuseHelper();
    private static final Map<String, INDArray> ONES = new ConcurrentHashMap<>();

    private BlasSKFuseHelper() {
    }

    @Override
    public void forward(INDArray[] u, INDArray s) {
        long[] shape = u[0].shape();
        long rows = shape[0] * shape[1], pixels = shape[2] * shape[3];
        // s += U_i [N*C, H*W] x ones / (H*W): BLAS reads U_i at full speed (ND4J's mean over two axes took
        // twice as long) and accumulates the branches in place
        INDArray ones = ones(s.dataType(), pixels);
        INDArray sColumn = s.reshape('c', rows, 1);
        for (int i = 0; i < u.length; i++) {
            Nd4j.gemm(u[i].castTo(s.dataType()).reshape('c', rows, pixels), ones, sColumn, false, false,
                    1.0 / pixels, i == 0 ? 0.0 : 1.0);
        }
    }

    /**
     * A column of ones, made once per type and size outside workspaces (read only): filling a new one was
     * a native call of ~100 us per SKConv and pass.
     */
    private static INDArray ones(DataType type, long pixels) {
        return ONES.computeIfAbsent(type + "x" + pixels, k -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(type, pixels, 1);
            }
        });
    }

    @Override
    public void backward(INDArray ds, INDArray[] du) {
        long[] shape = du[0].shape();
        INDArray perPixel = ds.castTo(du[0].dataType()).dup('c').reshape('c', shape[0], shape[1])
                .divi(shape[2] * shape[3]);
        Nd4j.getExecutioner().exec(new BroadcastCopyOp(du[0], perPixel, du[0], 0, 1));
        GradientSharing.copyFirstToOthers(du);
    }

    @Override
    public String name() {
        return "blas";
    }
}
