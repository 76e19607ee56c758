package io.github.sknet.layer.sk;

import java.util.Objects;

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
 * SKConv's select step. Inputs: the attention logits {@code [N, M * C]} (branch-major, as the
 * per-branch projections concatenate them), then the M branch outputs {@code U_i [N, C, H, W]}.
 * Output: {@code V = sum_i softmax_i(logits)[:, i, :] * U_i}, the softmax taken over the branch index
 * separately for every channel. No parameters: the projections are the preceding dense layer.
 *
 * <p>A native vertex with a hand-written backward pass: the same definition as a SameDiff vertex
 * returned input gradients twice too large in DL4J 1.0.0-M2.1 (measured against PyTorch), and the
 * native one also avoids SameDiff's per-call graph execution.
 */
public class SKSelectVertex extends GraphVertex {
    private int branches;
    private long channels;

    /** For JSON. */
    public SKSelectVertex() {
    }

    public SKSelectVertex(@JsonProperty("branches") int branches, @JsonProperty("channels") long channels) {
        if (branches < 1 || channels < 1) {
            throw new IllegalArgumentException("SKSelectVertex: branches and channels must be >= 1, got M=" + branches
                    + ", C=" + channels);
        }
        this.branches = branches;
        this.channels = channels;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new SKSelectVertexImpl(graph, name, idx, branches, channels, networkDatatype);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return branches + 1;
    }

    @Override
    public int maxVertexInputs() {
        return branches + 1;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length != branches + 1) {
            throw new InvalidInputTypeException("SKSelectVertex: expects " + (branches + 1)
                    + " inputs (attention logits, then " + branches + " branch outputs), got " + inputs.length);
        }
        if (inputs[0].arrayElementsPerExample() != branches * channels) {
            throw new InvalidInputTypeException("SKSelectVertex: attention logits must have M*C = "
                    + branches * channels + " values per example, got " + inputs[0]);
        }
        for (int i = 1; i < inputs.length; i++) {
            if (!(inputs[i] instanceof InputType.InputTypeConvolutional)
                    || ((InputType.InputTypeConvolutional) inputs[i]).getChannels() != channels
                    || !inputs[i].equals(inputs[1])) {
                throw new InvalidInputTypeException("SKSelectVertex: branch outputs must all be convolutional with "
                        + channels + " channels and one size, got " + inputs[i] + " and " + inputs[1]);
            }
        }
        return inputs[1];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, SKSelectVertex.class, inputTypes[1], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public GraphVertex clone() {
        return new SKSelectVertex(branches, channels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SKSelectVertex && ((SKSelectVertex) o).branches == branches
                && ((SKSelectVertex) o).channels == channels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(branches, channels);
    }

    public int getBranches() {
        return branches;
    }

    public void setBranches(int branches) {
        this.branches = branches;
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }
}
