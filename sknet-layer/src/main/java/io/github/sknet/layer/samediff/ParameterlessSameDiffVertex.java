package io.github.sknet.layer.samediff;

import java.util.Map;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * A SameDiff vertex without parameters: what it computes is all in {@code defineVertex}, over the
 * inputs named by {@link #inputNames()}. The mask of input {@link #maskInput()} passes through.
 */
public abstract class ParameterlessSameDiffVertex extends SameDiffVertex {

    /** The names {@code defineVertex} finds its inputs under, in the graph's input order. */
    @JsonIgnore
    protected abstract String[] inputNames();

    /** The input whose mask is this vertex's mask. */
    @JsonIgnore
    protected int maskInput() {
        return 0;
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs(inputNames());
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // none
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[maskInput()], currentMaskState);
    }

    /**
     * Defined from the configuration when first needed, so not part of the JSON (before the graph is
     * built, the number of inputs may not be known yet).
     */
    @Override
    @JsonIgnore
    public SDVertexParams getVertexParams() {
        return super.getVertexParams();
    }

    @Override
    @JsonIgnore
    public void setVertexParams(SDVertexParams params) {
        super.setVertexParams(params);
    }

    /** Forgets the inputs defined so far (their number changed). */
    protected void redefineInputs() {
        setVertexParams(null);
    }

    /** How many inputs the graph gives vertex {@code name} (the configuration need not record it). */
    protected static int inputCount(ComputationGraph graph, String name) {
        return graph.getConfiguration().getVertexInputs().get(name).size();
    }

    /**
     * Whether this object's {@code defineVertex} is still {@code base}'s: only then may {@code base}'s
     * helper stand in for it.
     */
    protected boolean definitionOf(Class<? extends ParameterlessSameDiffVertex> base) {
        return Definitions.unchanged(this, base, "defineVertex", SameDiff.class, Map.class, Map.class, Map.class);
    }
}
