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

import io.github.sknet.layer.graph.GradientSharing;
import io.github.sknet.layer.samediff.SameDiffVertexWithHelper;

/** The runtime of {@link SKFuseVertex}: its {@link SKFuseHelper}, or the SameDiff definition. */
public class SKFuseVertexImpl extends SameDiffVertexWithHelper<SKFuseHelper> {
    private Boolean shareGradient;

    public SKFuseVertexImpl(SKFuseVertex config, ComputationGraph graph, String name, int idx, DataType dataType,
                            SKFuseHelper helper) {
        super(config, graph, name, idx, null, false, dataType, helper);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        return super.doForward(training, workspaceMgr);
    }

    @Override
    protected INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        long[] shape = inputs[0].shape();
        INDArray s = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape[0], shape[1]);
        helper.forward(inputs, s);
        return s;
    }

    @Override
    protected Pair<Gradient, INDArray[]> helperBackward(LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        long[] shape = inputs[0].shape();
        if (epsilon == null || epsilon.length() != shape[0] * shape[1]) {
            throw new DL4JInvalidInputException("SKFuseVertex '" + vertexName + "': gradient "
                    + (epsilon == null ? "missing" : Arrays.toString(epsilon.shape())) + ", expected [N, C] for "
                    + "branch outputs " + Arrays.toString(shape));
        }
        if (shareGradient == null) {
            shareGradient = GradientSharing.safe(graph, this);
        }
        INDArray[] du = new INDArray[inputs.length];
        for (int i = 0; i < du.length; i++) {
            du[i] = i > 0 && shareGradient ? du[0]
                    : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, shape, 'c');
        }
        helper.backward(epsilon, du);
        return new Pair<>(null, du);
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
        return "SKFuseVertex(name=\"" + vertexName + "\", " + (helper == null ? "SameDiff" : helper.name()) + ")";
    }
}
