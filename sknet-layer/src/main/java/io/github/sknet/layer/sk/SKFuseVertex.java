package io.github.sknet.layer.sk;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SKConv's fuse step up to the channel descriptor: {@code s = mean over H, W of (sum_i U_i)}, from the
 * M branch outputs {@code U_i [N, C, H, W]} to {@code s [N, C]}.
 *
 * <p>Sum and pooling as one vertex: {@code U = sum_i U_i} is needed only for its spatial mean, which is
 * the sum of the branches' means, so U is never written. Its gradient, the same for every branch, is
 * written once ({@code SumVertex} + {@code GlobalPoolingLayer} wrote U, then in backprop the broadcast
 * gradient, a copy of it between workspaces and one per branch).
 */
public class SKFuseVertex extends GraphVertex {

    /** No settings: also the constructor JSON uses. */
    public SKFuseVertex() {
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new SKFuseVertexImpl(graph, name, idx, networkDatatype);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
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

    @Override
    public GraphVertex clone() {
        return new SKFuseVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SKFuseVertex;
    }

    @Override
    public int hashCode() {
        return SKFuseVertex.class.hashCode();
    }

    @Override
    public String toString() {
        return "SKFuseVertex()";
    }
}
