package io.github.sknet.layer.graph;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the runtime of a vertex without parameters or a layer shares: no gradient view, and the mask of
 * one chosen input passed through.
 */
public abstract class ParameterlessVertex extends BaseGraphVertex {
    private final String kind;
    private final int maskInput;

    /** {@code kind} names the vertex type in messages; {@code maskInput} is the input whose mask passes through. */
    protected ParameterlessVertex(ComputationGraph graph, String name, int idx, DataType dataType, String kind,
                                  int maskInput) {
        super(graph, name, idx, null, null, dataType);
        this.kind = kind;
        this.maskInput = maskInput;
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException(kind + " '" + vertexName + "' has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[maskInput], currentMaskState);
    }
}
