package io.github.sknet.layer.graph;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * Whether a vertex may hand every input the same gradient array instead of a copy each. DL4J adds a
 * vertex's later gradients into the first array it was given, in place: that is harmless unless an
 * input's other consumer runs its backward (and so adds into the shared array) before some other input
 * of this vertex has read it. Decided from the graph's order.
 */
public final class GradientSharing {
    private GradientSharing() {
    }

    public static boolean safe(ComputationGraph graph, GraphVertex vertex) {
        int[] order = graph.topologicalSortOrder();
        int[] pos = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            pos[order[i]] = i;
        }
        int self = vertex.getVertexIndex();
        VertexIndices[] in = vertex.getInputVertices();
        for (int a = 0; a < in.length; a++) {
            for (VertexIndices consumer : graph.getVertices()[in[a].getVertexIndex()].getOutputVertices()) {
                int r = consumer.getVertexIndex();
                // backward runs in reverse topological order: r runs after this vertex when pos[r] < pos[self]
                if (r == self || pos[r] > pos[self]) {
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

    /** Every entry of {@code d} that is not {@code d[0]} itself gets a copy of it. */
    public static void copyFirstToOthers(INDArray[] d) {
        for (int i = 1; i < d.length; i++) {
            if (d[i] != d[0]) {
                copy(d[0], d[i]);
            }
        }
    }

    /** {@code dst := src}; a plain memcpy where both are dense (ND4J's assign is far slower). */
    public static void copy(INDArray src, INDArray dst) {
        if (OneDnn.dense(src) && OneDnn.dense(dst) && src.dataType() == dst.dataType()) {
            Nd4j.getMemoryManager().memcpy(dst.data(), src.data());
        } else {
            dst.assign(src);
        }
    }
}
