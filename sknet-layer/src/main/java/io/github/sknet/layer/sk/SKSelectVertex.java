package io.github.sknet.layer.sk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import io.github.sknet.layer.samediff.ParameterlessSameDiffVertex;

/**
 * SKConv's select step. Inputs: the attention logits {@code [N, M * C]} (branch-major, as the
 * per-branch projections concatenate them), then the M branch outputs {@code U_i [N, C, H, W]}.
 * Output: {@code V = sum_i softmax_i(logits)[:, i, :] * U_i}, the softmax taken over the branch index
 * separately for every channel. No parameters: the projections are the preceding dense layer.
 *
 * <p>A SameDiff vertex: {@link #defineVertex} is the definition and autodiff its backward. A subclass
 * that overrides it (another attention) trains on autodiff alone; {@link SKSelectHelper}s run only for
 * this definition.
 */
public class SKSelectVertex extends ParameterlessSameDiffVertex {
    /** The name of the attention logits in {@code defineVertex}'s inputs; branch i's is {@link SKFuseVertex#branchInput}. */
    public static final String LOGITS = "logits";

    private int branches;
    private long channels;
    private int attentionWidth;
    private List<String> members;

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

    /** a = softmax over the branch index of logits as [N, M, C]; V = sum_i a[:, i, :] * U_i. */
    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable a = sd.nn().softmax(in.get(LOGITS).reshape(-1, branches, channels), 1);
        SDVariable v = null;
        for (int i = 0; i < branches; i++) {
            SDVariable ai = a.get(SDIndex.all(), SDIndex.point(i), SDIndex.all()).reshape(-1, channels, 1, 1);
            SDVariable weighted = in.get(SKFuseVertex.branchInput(i)).mul(ai);
            v = v == null ? weighted : v.add(weighted);
        }
        return v;
    }

    @Override
    protected String[] inputNames() {
        String[] names = new String[branches + 1];
        names[0] = LOGITS;
        for (int i = 0; i < branches; i++) {
            names[i + 1] = SKFuseVertex.branchInput(i);
        }
        return names;
    }

    @Override
    protected int maskInput() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        setName(name);
        SKSelectHelper helper = definitionOf(SKSelectVertex.class) ? SKSelectHelper.forDataType(networkDatatype) : null;
        return new SKSelectVertexImpl(this, graph, name, idx, networkDatatype, helper);
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
        try {
            SKSelectVertex v = getClass().getDeclaredConstructor().newInstance();
            v.setBranches(branches);
            v.setChannels(channels);
            v.setAttentionWidth(attentionWidth);
            v.setMembers(members);
            return v;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(getClass().getName() + " needs a no-argument constructor", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((SKSelectVertex) o).branches == branches
                && ((SKSelectVertex) o).channels == channels && ((SKSelectVertex) o).attentionWidth == attentionWidth
                && Objects.equals(((SKSelectVertex) o).members, members);
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), branches, channels);
    }

    public int getBranches() {
        return branches;
    }

    public void setBranches(int branches) {
        this.branches = branches;
        redefineInputs();
    }

    /** d, the SKConv's attention width, as {@link SKConv#add} recorded it (0 in files from before). */
    public int getAttentionWidth() {
        return attentionWidth;
    }

    public void setAttentionWidth(int attentionWidth) {
        this.attentionWidth = attentionWidth;
    }

    /** The vertices of the SKConv this vertex ends, as {@link SKConv#add} recorded them (null in files from before). */
    public List<String> getMembers() {
        return members;
    }

    public void setMembers(List<String> members) {
        this.members = members == null ? null : new ArrayList<>(members);
    }

    /**
     * The vertices of the SKConv that this vertex, called {@code name}, ends: as recorded, or for files
     * written before they were, by {@link SKConv}'s naming.
     */
    public List<String> members(String name) {
        if (members != null) {
            return members;
        }
        List<String> derived = new ArrayList<>();
        for (int i = 0; i < branches; i++) {
            derived.add(SKConv.branchConv(name, i));
            derived.add(SKConv.branchBn(name, i));
        }
        derived.addAll(List.of(SKConv.fusePool(name), SKConv.fuseFc(name), SKConv.fuseBn(name),
                SKConv.attentionLogits(name), name));
        return derived;
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(M=" + branches + ", C=" + channels + ")";
    }
}
