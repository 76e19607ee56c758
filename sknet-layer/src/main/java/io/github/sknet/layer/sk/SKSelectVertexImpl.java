package io.github.sknet.layer.sk;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.layer.HeapArrays;
import io.github.sknet.layer.graph.ParameterlessVertex;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.OneDnnElementwise;

/** The runtime of {@link SKSelectVertex}. */
public class SKSelectVertexImpl extends ParameterlessVertex {
    private final int branches;
    private final long channels;

    public SKSelectVertexImpl(ComputationGraph graph, String name, int idx, int branches, long channels,
                              DataType dataType) {
        super(graph, name, idx, dataType, "SKSelectVertex", 1);
        this.branches = branches;
        this.channels = channels;
    }

    /**
     * softmax over the branch index of logits {@code [N, M*C]}, as {@code [N, M, C]}. On the heap: the
     * logits are small, and as ND4J ops the softmax was eight native calls per SKConv and pass.
     */
    public static INDArray attention(INDArray logits, int branches, long channels) {
        long n = logits.size(0);
        int c = (int) channels;
        double[] z = Nd4j.toFlattened('c', logits).toDoubleVector();
        double[] a = new double[z.length];
        for (int s = 0; s < n; s++) {
            int base = s * branches * c;
            for (int ch = 0; ch < c; ch++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int m = 0; m < branches; m++) {
                    max = Math.max(max, z[base + m * c + ch]);
                }
                double sum = 0;
                for (int m = 0; m < branches; m++) {
                    a[base + m * c + ch] = Math.exp(z[base + m * c + ch] - max);
                    sum += a[base + m * c + ch];
                }
                for (int m = 0; m < branches; m++) {
                    a[base + m * c + ch] /= sum;
                }
            }
        }
        return HeapArrays.of(a, logits.dataType(), n, branches, c);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray a = attention(inputs[0].castTo(dataType), branches, channels);
        INDArray v = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, inputs[1].shape(), 'c');
        INDArray tmp = null;
        for (int i = 0; i < branches; i++) {
            INDArray u = inputs[i + 1].castTo(dataType);
            INDArray ai = branch(a, i);
            // oneDNN accumulates into v in the same pass; ND4J needs a temporary and a second pass
            if (!OneDnnElementwise.scalePerSample(u, ai, i > 0, v)) {
                if (i > 0 && tmp == null) {
                    tmp = Nd4j.createUninitialized(dataType, u.shape());
                }
                Nd4j.getExecutioner().exec(new BroadcastMulOp(u, ai, i == 0 ? v : tmp, 0, 1));
                if (i > 0) {
                    v.addi(tmp);
                }
            }
        }
        return v;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray a = attention(inputs[0].castTo(dataType), branches, channels);
        INDArray dv = epsilon.castTo(dataType);
        if (OneDnn.isAvailable() && !OneDnn.dense(dv)) {
            dv = dv.dup('c'); // one copy, read by every branch below at full speed (a loss layer's gradient may be a view)
        }
        INDArray[] out = new INDArray[branches + 1];
        // dL/da_i = sum over H, W of dV * U_i; dL/dlogits = a * (dL/da - sum_j a_j dL/da_j)
        INDArray da = Nd4j.createUninitialized(dataType, a.shape());
        for (int i = 0; i < branches; i++) {
            INDArray u = inputs[i + 1].castTo(dataType);
            out[i + 1] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, u.shape(), 'c');
            INDArray ai = branch(a, i);
            if (!OneDnnElementwise.scalePerSample(dv, ai, false, out[i + 1])) {
                Nd4j.getExecutioner().exec(new BroadcastMulOp(dv, ai, out[i + 1], 0, 1));
            }
            INDArray dai = Nd4j.createUninitialized(dataType, a.size(0), channels);
            Nd4j.getExecutioner().exec(new Dot(dv, u, dai, 2, 3));
            da.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all()).assign(dai);
        }
        INDArray weighted = a.mul(da).sum(true, 1).broadcast(a.shape());
        INDArray dLogits = a.mul(da.subi(weighted));
        out[0] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dLogits.reshape('c', a.size(0), branches * channels))
                .reshape(inputs[0].shape());
        return new Pair<>(null, out);
    }

    private static INDArray branch(INDArray a, int i) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all()).dup('c');
    }

    private void checkInputs() {
        if (inputs == null || inputs.length != branches + 1) {
            throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': expects " + (branches + 1)
                    + " inputs (attention logits, then " + branches + " branch outputs)");
        }
        if (inputs[0].length() != inputs[0].size(0) * branches * channels) {
            throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': attention logits "
                    + Arrays.toString(inputs[0].shape()) + " are not [N, M*C] = [N, " + branches * channels + "]");
        }
        for (int i = 1; i <= branches; i++) {
            if (inputs[i].rank() != 4 || inputs[i].size(1) != channels || !Arrays.equals(inputs[i].shape(), inputs[1].shape())
                    || inputs[i].size(0) != inputs[0].size(0)) {
                throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': branch output " + (i - 1)
                        + " has shape " + Arrays.toString(inputs[i].shape()) + ", expected [N, " + channels
                        + ", H, W] like " + Arrays.toString(inputs[1].shape()));
            }
        }
    }

    @Override
    public String toString() {
        return "SKSelectVertex(name=\"" + vertexName + "\", M=" + branches + ", C=" + channels + ")";
    }
}
