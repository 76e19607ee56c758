package io.github.sknet.layer.sk;

import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.HeapArrays;

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
                // the select step's first input is the attention logits
                INDArray logits = activations.get(graph.getConfiguration().getVertexInputs().get(e.getKey()).get(0));
                out.put(e.getKey(), softmaxOverBranches(logits, v.getBranches(), v.getChannels()));
            }
        }
        return out;
    }

    /**
     * softmax over the branch index of logits {@code [N, M*C]}, as {@code [N, M, C]}. On the heap, in
     * float64: the logits are small.
     */
    public static INDArray softmaxOverBranches(INDArray logits, int branches, long channels) {
        long n = logits.size(0);
        double[] a = softmaxOverBranches(HeapArrays.read(logits), (int) n, branches, (int) channels);
        return HeapArrays.of(a, logits.dataType(), n, branches, channels);
    }

    /** The softmax over the branch index of {@code z}, {@code [n, branches, c]} in c order. */
    static double[] softmaxOverBranches(double[] z, int n, int branches, int c) {
        double[] a = new double[z.length];
        for (int s = 0; s < n; s++) {
            int base = s * branches * c;
            for (int ch = 0; ch < c; ch++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int m = 0; m < branches; m++) {
                    max = Math.max(max, z[base + m * c + ch]);
                }
                double sum = 0;
                for (int m = 0; m < branches; m++) {
                    a[base + m * c + ch] = Math.exp(z[base + m * c + ch] - max);
                    sum += a[base + m * c + ch];
                }
                for (int m = 0; m < branches; m++) {
                    a[base + m * c + ch] /= sum;
                }
            }
        }
        return a;
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
