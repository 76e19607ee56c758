package io.github.sknet.layer.graph;

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
import org.nd4j.shade.jackson.annotation.JsonProperty;

import io.github.sknet.layer.samediff.ParameterlessSameDiffVertex;

/**
 * Element-wise sum of two or more inputs of one shape, optionally followed by ReLU: the residual join
 * of a ResNet unit, {@code relu(residual + shortcut)}.
 *
 * <p>A SameDiff vertex: {@link #defineVertex} is the definition and autodiff its backward;
 * {@link SumHelper}s run it fast where they apply.
 */
public class SumVertex extends ParameterlessSameDiffVertex {
    private boolean relu;
    private int inputs;

    /** For JSON. */
    public SumVertex() {
    }

    public SumVertex(@JsonProperty("relu") boolean relu) {
        this.relu = relu;
    }

    /** out = x_0 + ... + x_{n-1}, then ReLU if set. */
    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable sum = in.get(input(0));
        for (int i = 1; i < inputs; i++) {
            sum = sum.add(in.get(input(i)));
        }
        return relu ? sd.nn().relu(sum, 0) : sum;
    }

    private static String input(int i) {
        return "x" + i;
    }

    @Override
    protected String[] inputNames() {
        String[] names = new String[inputs];
        for (int i = 0; i < inputs; i++) {
            names[i] = input(i);
        }
        return names;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        if (inputCount(graph, name) != inputs) { // the count is the graph's: the configuration does not record it
            inputs = inputCount(graph, name);
            redefineInputs();
        }
        setName(name);
        SumHelper helper = definitionOf(SumVertex.class) ? SumHelper.forDataType(networkDatatype) : null;
        return new SumVertexImpl(this, graph, name, idx, relu, networkDatatype, helper);
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length < 2) {
            throw new InvalidInputTypeException("SumVertex: expects at least 2 inputs, got " + inputs.length);
        }
        for (InputType t : inputs) {
            if (t.arrayElementsPerExample() != inputs[0].arrayElementsPerExample() || t.getType() != inputs[0].getType()) {
                throw new InvalidInputTypeException("SumVertex: all inputs must have one shape, got " + t + " and "
                        + inputs[0]);
            }
        }
        return inputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, SumVertex.class, inputTypes[0], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, relu ? out.arrayElementsPerExample() : 0).cacheMemory(0, 0).build();
    }

    @Override
    public GraphVertex clone() {
        return new SumVertex(relu);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((SumVertex) o).relu == relu;
    }

    @Override
    public int hashCode() {
        return relu ? 1 : 0;
    }

    public boolean isRelu() {
        return relu;
    }

    public void setRelu(boolean relu) {
        this.relu = relu;
    }

    @Override
    public String toString() {
        return "SumVertex(relu=" + relu + ")";
    }
}
