package io.github.sknet.layer.graph;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * What the runtime of a vertex without parameters or a layer shares: no gradient view, the mask of one
 * chosen input passed through, and handing all inputs one gradient array where the graph allows it.
 */
public abstract class ParameterlessVertex extends BaseGraphVertex {
    private final String kind;
    private final int maskInput;
    private Boolean mayShareInputGradient;

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

    /**
     * Whether every input may be handed the same gradient array instead of a copy each. DL4J adds a
     * vertex's later gradients into the first array it was given, in place: that is harmless unless an
     * input's other consumer runs its backward (and so adds into the shared array) before some other input
     * of this vertex has read it. Decided once from the graph's order.
     */
    protected boolean mayShareInputGradient() {
        if (mayShareInputGradient == null) {
            int[] order = graph.topologicalSortOrder();
            int[] pos = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                pos[order[i]] = i;
            }
            mayShareInputGradient = sharingIsSafe(pos);
        }
        return mayShareInputGradient;
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

    /** {@code dst := src}; a plain memcpy where both are dense (ND4J's assign is far slower). */
    protected static void copy(INDArray src, INDArray dst) {
        if (OneDnn.dense(src) && OneDnn.dense(dst) && src.dataType() == dst.dataType()) {
            Nd4j.getMemoryManager().memcpy(dst.data(), src.data());
        } else {
            dst.assign(src);
        }
    }
}
