package io.github.sknet.layer.sk;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.layer.HeapArrays;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.OneDnnElementwise;

/**
 * The select step with the softmax on the heap (the logits are small; as ND4J ops it was eight native
 * calls per SKConv and pass), the forward pass's per-branch weights cut from it there too, and the
 * per-sample scaling as oneDNN element-wise passes where they fit (accumulating into v in the same
 * pass), else ND4J broadcasts.
 */
final class CpuSKSelectHelper implements SKSelectHelper {
    static final CpuSKSelectHelper INSTANCE = new CpuSKSelectHelper();

    private CpuSKSelectHelper() {
    }

    @Override
    public void forward(INDArray logits, INDArray[] u, INDArray v) {
        int m = u.length, n = (int) logits.size(0), c = (int) u[0].size(1);
        double[] a = SKAttention.softmaxOverBranches(HeapArrays.read(logits), n, m, c);
        INDArray tmp = null;
        for (int i = 0; i < m; i++) {
            INDArray ui = u[i].castTo(v.dataType());
            INDArray ai = HeapArrays.of(branch(a, n, m, c, i), v.dataType(), n, c);
            if (!OneDnnElementwise.scalePerSample(ui, ai, i > 0, v)) {
                if (i > 0 && tmp == null) {
                    tmp = Nd4j.createUninitialized(v.dataType(), ui.shape());
                }
                Nd4j.getExecutioner().exec(new BroadcastMulOp(ui, ai, i == 0 ? v : tmp, 0, 1));
                if (i > 0) {
                    v.addi(tmp);
                }
            }
        }
    }

    @Override
    public void backward(INDArray logits, INDArray[] u, INDArray dv, INDArray dLogits, INDArray[] du) {
        int m = u.length;
        long c = u[0].size(1);
        INDArray a = SKAttention.softmaxOverBranches(logits.castTo(dLogits.dataType()), m, c);
        if (OneDnn.isAvailable() && !OneDnn.dense(dv)) {
            dv = dv.dup('c'); // one copy, read by every branch below at full speed (a loss layer's gradient may be a view)
        }
        // dL/da_i = sum over H, W of dV * U_i; dL/dlogits = a * (dL/da - sum_j a_j dL/da_j)
        INDArray da = Nd4j.createUninitialized(a.dataType(), a.shape());
        for (int i = 0; i < m; i++) {
            INDArray ui = u[i].castTo(a.dataType());
            INDArray ai = branch(a, i);
            if (!OneDnnElementwise.scalePerSample(dv, ai, false, du[i])) {
                Nd4j.getExecutioner().exec(new BroadcastMulOp(dv, ai, du[i], 0, 1));
            }
            INDArray dai = Nd4j.createUninitialized(a.dataType(), a.size(0), c);
            Nd4j.getExecutioner().exec(new Dot(dv, ui, dai, 2, 3));
            da.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all()).assign(dai);
        }
        INDArray weighted = a.mul(da).sum(true, 1).broadcast(a.shape());
        dLogits.assign(a.mul(da.subi(weighted)).reshape(dLogits.shape()));
    }

    /** Branch i's weights {@code [n, c]} of the softmax {@code [n, m, c]}: made on the heap, no native call. */
    private static double[] branch(double[] a, int n, int m, int c, int i) {
        double[] ai = new double[n * c];
        for (int s = 0; s < n; s++) {
            System.arraycopy(a, (s * m + i) * c, ai, s * c, c);
        }
        return ai;
    }

    private static INDArray branch(INDArray a, int i) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all()).dup('c');
    }

    @Override
    public String name() {
        return "heap+onednn";
    }
}
