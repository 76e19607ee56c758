package io.github.sknet.layer.sk;

import java.util.Map;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.samediff.ParameterlessSameDiffVertex;

/**
 * SKConv's fuse step up to the channel descriptor: {@code s = mean over H, W of (sum_i U_i)}, from the
 * M branch outputs {@code U_i [N, C, H, W]} to {@code s [N, C]}.
 *
 * <p>A SameDiff vertex: {@link #defineVertex} is the definition and autodiff its backward. Override it
 * to fuse differently (say mean + max pooling); the subclass then trains on autodiff alone, since
 * {@link SKFuseHelper}s run only for this definition.
 */
public class SKFuseVertex extends ParameterlessSameDiffVertex {
    private int branches;

    /** For JSON; the number of branches then comes from the graph. */
    public SKFuseVertex() {
    }

    /** A fuse of {@code branches} branch outputs. */
    public SKFuseVertex(int branches) {
        if (branches < 1) {
            throw new IllegalArgumentException("SKFuseVertex: branches must be >= 1, got " + branches);
        }
        this.branches = branches;
    }

    /** s = mean_hw(U_0 + ... + U_{M-1}). */
    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable u = branchSum(in);
        return u.mean(2, 3);
    }

    /** U = sum of the branch outputs, for definitions that pool it their own way. */
    protected SDVariable branchSum(Map<String, SDVariable> in) {
        SDVariable u = in.get(branchInput(0));
        for (int i = 1; i < branches; i++) {
            u = u.add(in.get(branchInput(i)));
        }
        return u;
    }

    /** The name branch {@code i}'s output has in {@code defineVertex}'s inputs. */
    public static String branchInput(int i) {
        return "U" + i;
    }

    @Override
    protected String[] inputNames() {
        String[] names = new String[branches];
        for (int i = 0; i < branches; i++) {
            names[i] = branchInput(i);
        }
        return names;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        if (branches != inputCount(graph, name)) { // a model file from before the count was recorded, or a graph rewired
            branches = inputCount(graph, name);
            redefineInputs();
        }
        setName(name);
        SKFuseHelper helper = definitionOf(SKFuseVertex.class) ? SKFuseHelper.forDataType(networkDatatype) : null;
        return new SKFuseVertexImpl(this, graph, name, idx, networkDatatype, helper);
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length < 1) {
            throw new InvalidInputTypeException("SKFuseVertex: expects at least 1 branch output, got none");
        }
        for (InputType t : inputs) {
            if (!(t instanceof InputType.InputTypeConvolutional) || !t.equals(inputs[0])) {
                throw new InvalidInputTypeException("SKFuseVertex: branch outputs must all be convolutional and of "
                        + "one size, got " + t + " and " + inputs[0]);
            }
        }
        return InputType.feedForward(((InputType.InputTypeConvolutional) inputs[0]).getChannels());
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, SKFuseVertex.class, inputTypes[0], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public int getBranches() {
        return branches;
    }

    public void setBranches(int branches) {
        this.branches = branches;
        redefineInputs();
    }

    @Override
    public GraphVertex clone() {
        try {
            SKFuseVertex v = getClass().getDeclaredConstructor().newInstance();
            v.setBranches(branches);
            return v;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(getClass().getName() + " needs a no-argument constructor", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((SKFuseVertex) o).branches == branches;
    }

    @Override
    public int hashCode() {
        return 31 * getClass().hashCode() + branches;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(M=" + branches + ")";
    }
}
