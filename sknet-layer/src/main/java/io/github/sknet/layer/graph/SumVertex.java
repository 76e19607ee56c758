package io.github.sknet.layer.graph;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Element-wise sum of two or more inputs of one shape, optionally followed by ReLU: the residual join
 * of a ResNet unit ({@code relu(residual + shortcut)}) and SKConv's fuse step ({@code U = sum_i U_i}).
 *
 * <p>DL4J's {@code ElementWiseVertex} + {@code ActivationLayer} do the same in three full passes plus
 * two copies (its forward starts from a {@code dup} of the first input, the activation layer copies its
 * result between workspaces); this vertex writes the sum once and applies ReLU in place.
 */
public class SumVertex extends GraphVertex {
    private boolean relu;

    /** For JSON. */
    public SumVertex() {
    }

    public SumVertex(@JsonProperty("relu") boolean relu) {
        this.relu = relu;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new SumVertexImpl(graph, name, idx, relu, networkDatatype);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
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
        return o instanceof SumVertex && ((SumVertex) o).relu == relu;
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
