package io.github.sknet.layer.graph;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.OneDnnElementwise;

/** The runtime of {@link SumVertex}. */
public class SumVertexImpl extends ParameterlessVertex {
    private final boolean relu;
    private INDArray lastOutput;
    private Boolean mayShareGradient;

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
        boolean share = mayShareGradient();
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

    /**
     * Whether every input may be handed the same gradient array instead of a copy each. DL4J adds a
     * vertex's later gradients into the first array it was given, in place: that is harmless unless an
     * input's other consumer runs its backward (and so adds into the shared array) before some other input
     * of this vertex has read it. Decided once from the graph's order.
     */
    private boolean mayShareGradient() {
        if (mayShareGradient == null) {
            int[] order = graph.topologicalSortOrder();
            int[] pos = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                pos[order[i]] = i;
            }
            mayShareGradient = sharingIsSafe(pos);
        }
        return mayShareGradient;
    }

    private boolean sharingIsSafe(int[] pos) {
        VertexIndices[] in = getInputVertices();
        for (int a = 0; a < in.length; a++) {
            for (VertexIndices consumer : graph.getVertices()[in[a].getVertexIndex()].getOutputVertices()) {
                int r = consumer.getVertexIndex();
                // backward runs in reverse topological order: r runs after this vertex when pos[r] < pos[this]
                if (r == vertexIndex || pos[r] > pos[vertexIndex]) {
                    continue;
                }
                for (int b = 0; b < in.length; b++) {
                    if (b != a && pos[in[b].getVertexIndex()] <= pos[r]) { // input b not done when r adds
                        return false;
                    }
                }
            }
        }
        return true;
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

    /** {@code dst := src}; a plain memcpy where both are dense (ND4J's assign is far slower). */
    private static void copy(INDArray src, INDArray dst) {
        if (OneDnn.dense(src) && OneDnn.dense(dst) && src.dataType() == dst.dataType()) {
            Nd4j.getMemoryManager().memcpy(dst.data(), src.data());
        } else {
            dst.assign(src);
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
