package io.github.sknet.layer.sk;

import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reads SKConv attention, softmax weights {@code [N, M, C]}, from a graph in inference mode. */
public final class SKAttention {
    private SKAttention() {
    }

    /** The attention of every SKConv in the graph, by SKConv name, in graph order. */
    public static Map<String, INDArray> readAll(ComputationGraph graph, INDArray... inputs) {
        Map<String, INDArray> activations = graph.feedForward(inputs, false, false);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof SKSelectVertex) {
                SKSelectVertex v = (SKSelectVertex) e.getValue();
                INDArray logits = activations.get(SKConv.attentionLogits(e.getKey()));
                out.put(e.getKey(), SKSelectVertexImpl.attention(logits, v.getBranches(), v.getChannels()));
            }
        }
        return out;
    }

    /** The attention of the SKConv called {@code name}. */
    public static INDArray read(ComputationGraph graph, String name, INDArray... inputs) {
        Map<String, INDArray> all = readAll(graph, inputs);
        if (!all.containsKey(name)) {
            throw new IllegalArgumentException("SKAttention: the graph has no SKConv named '" + name + "'; it has "
                    + all.keySet());
        }
        return all.get(name);
    }
}
