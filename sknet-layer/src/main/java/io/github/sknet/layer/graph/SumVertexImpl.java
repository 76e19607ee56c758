package io.github.sknet.layer.graph;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.samediff.SameDiffVertexWithHelper;

/** The runtime of {@link SumVertex}: its {@link SumHelper}, or the SameDiff definition. */
public class SumVertexImpl extends SameDiffVertexWithHelper<SumHelper> {
    private final boolean relu;
    private INDArray lastOutput;
    private Boolean shareGradient;

    public SumVertexImpl(SumVertex config, ComputationGraph graph, String name, int idx, boolean relu,
                         DataType dataType, SumHelper helper) {
        super(config, graph, name, idx, null, false, dataType, helper);
        this.relu = relu;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        return super.doForward(training, workspaceMgr);
    }

    @Override
    protected INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, inputs[0].shape(), 'c');
        helper.forward(inputs, relu, out);
        // ReLU's gradient mask is (output > 0): kept for backprop instead of recomputing the sum there
        // (the activations workspace holds it until backprop is over)
        lastOutput = training && relu ? out : null;
        return out;
    }

    @Override
    protected Pair<Gradient, INDArray[]> helperBackward(LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray z = null;
        if (relu) {
            z = lastOutput;
            if (z == null || !z.equalShapes(inputs[0])) { // no training forward before this backward: recompute
                z = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, inputs[0].shape(), 'c');
                helper.forward(inputs, true, z);
            }
        }
        if (shareGradient == null) {
            shareGradient = GradientSharing.safe(graph, this);
        }
        INDArray[] out = new INDArray[inputs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = i > 0 && shareGradient ? out[0]
                    : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, inputs[i].shape(), 'c');
        }
        helper.backward(z, relu, epsilon.castTo(dataType), out);
        return new Pair<>(null, out);
    }

    @Override
    public void clear() {
        super.clear();
        lastOutput = null;
    }

    private void checkInputs() {
        if (inputs == null || inputs.length < 2) {
            throw new DL4JInvalidInputException("SumVertex '" + vertexName + "': expects at least 2 inputs");
        }
        for (int i = 1; i < inputs.length; i++) {
            if (!Arrays.equals(inputs[i].shape(), inputs[0].shape())) {
                throw new DL4JInvalidInputException("SumVertex '" + vertexName + "': input " + i + " has shape "
                        + Arrays.toString(inputs[i].shape()) + ", input 0 has " + Arrays.toString(inputs[0].shape())
                        + "; all inputs must have one shape");
            }
        }
    }

    @Override
    public String toString() {
        return "SumVertex(name=\"" + vertexName + "\", relu=" + relu + ", " + (helper == null ? "SameDiff" : helper.name()) + ")";
    }
}
