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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.graph.ParameterlessVertex;

/** The runtime of {@link SKFuseVertex}. */
public class SKFuseVertexImpl extends ParameterlessVertex {

    public SKFuseVertexImpl(ComputationGraph graph, String name, int idx, DataType dataType) {
        super(graph, name, idx, dataType, "SKFuseVertex", 0);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        long[] shape = inputs[0].shape();
        long rows = shape[0] * shape[1], pixels = shape[2] * shape[3];
        INDArray s = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape[0], shape[1]);
        // s += U_i [N*C, H*W] x ones / (H*W): BLAS's matrix-vector product reads U_i at full speed (ND4J's
        // mean over two axes took twice as long) and accumulates the branches in place
        INDArray ones = Nd4j.ones(dataType, pixels, 1);
        INDArray sColumn = s.reshape('c', rows, 1);
        for (int i = 0; i < inputs.length; i++) {
            Nd4j.gemm(inputs[i].castTo(dataType).reshape('c', rows, pixels), ones, sColumn, false, false,
                    1.0 / pixels, i == 0 ? 0.0 : 1.0);
        }
        return s;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        long[] shape = inputs[0].shape();
        if (epsilon == null || epsilon.length() != shape[0] * shape[1]) {
            throw new DL4JInvalidInputException("SKFuseVertex '" + vertexName + "': gradient "
                    + (epsilon == null ? "missing" : Arrays.toString(epsilon.shape())) + ", expected [N, C] for "
                    + "branch outputs " + Arrays.toString(shape));
        }
        INDArray perPixel = epsilon.castTo(dataType).dup('c').reshape('c', shape[0], shape[1]).divi(shape[2] * shape[3]);
        INDArray[] out = new INDArray[inputs.length];
        out[0] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, shape, 'c');
        Nd4j.getExecutioner().exec(new BroadcastCopyOp(out[0], perPixel, out[0], 0, 1));
        boolean share = mayShareInputGradient();
        for (int i = 1; i < inputs.length; i++) {
            if (share) {
                out[i] = out[0];
            } else {
                out[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, shape, 'c');
                copy(out[0], out[i]);
            }
        }
        return new Pair<>(null, out);
    }

    private void checkInputs() {
        if (inputs == null || inputs.length < 1) {
            throw new DL4JInvalidInputException("SKFuseVertex '" + vertexName + "': expects at least 1 branch output");
        }
        for (INDArray u : inputs) {
            if (u.rank() != 4 || !Arrays.equals(u.shape(), inputs[0].shape())) {
                throw new DL4JInvalidInputException("SKFuseVertex '" + vertexName + "': branch outputs must be "
                        + "[N, C, H, W] of one shape, got " + Arrays.toString(u.shape()) + " and "
                        + Arrays.toString(inputs[0].shape()));
            }
        }
    }

    @Override
    public String toString() {
        return "SKFuseVertex(name=\"" + vertexName + "\")";
    }
}
