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
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnnElementwise;

/** The runtime of {@link SumVertex}. */
public class SumVertexImpl extends ParameterlessVertex {
    private final boolean relu;
    private INDArray lastOutput;

    public SumVertexImpl(ComputationGraph graph, String name, int idx, boolean relu, DataType dataType) {
        super(graph, name, idx, dataType, "SumVertex", 0);
        this.relu = relu;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, inputs[0].shape(), 'c');
        if (inputs.length != 2 || !OneDnnElementwise.add(inputs[0], inputs[1], relu, out)) {
            sum(out);
            if (relu) {
                Nd4j.getExecutioner().exec(new RectifiedLinear(out, out, 0.0));
            }
        }
        // ReLU's gradient mask is (output > 0): kept for backprop instead of recomputing the sum there
        // (the activations workspace holds it until backprop is over)
        lastOutput = training && relu ? out : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray eps = epsilon.castTo(dataType);
        INDArray[] out = new INDArray[inputs.length];
        out[0] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, inputs[0].shape(), 'c');
        if (relu) {
            INDArray z = lastOutput;
            if (z == null || !z.equalShapes(inputs[0])) { // no training forward before this backward: recompute
                z = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, inputs[0].shape(), 'c');
                sum(z);
            }
            if (!OneDnnElementwise.reluBackward(z, eps, out[0])) {
                Nd4j.exec(new RectifiedLinearDerivative(z, eps, out[0]));
            }
        } else {
            copy(eps, out[0]);
        }
        boolean share = mayShareInputGradient();
        for (int i = 1; i < inputs.length; i++) {
            if (share) {
                out[i] = out[0];
            } else {
                out[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, inputs[i].shape(), 'c');
                copy(out[0], out[i]);
            }
        }
        return new Pair<>(null, out);
    }

    @Override
    public void clear() {
        super.clear();
        lastOutput = null;
    }

    private void sum(INDArray target) {
        Nd4j.exec(new AddOp(inputs[0].castTo(dataType), inputs[1].castTo(dataType), target));
        for (int i = 2; i < inputs.length; i++) {
            target.addi(inputs[i].castTo(dataType));
        }
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
        return "SumVertex(name=\"" + vertexName + "\", relu=" + relu + ")";
    }
}
