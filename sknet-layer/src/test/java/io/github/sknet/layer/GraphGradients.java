package io.github.sknet.layer;

import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Every parameter gradient of one training step, copied out of the graph's gradient view. */
public final class GraphGradients {
    private GraphGradients() {
    }

    public static Map<String, INDArray> of(ComputationGraph g, INDArray features, INDArray labels) {
        g.setInputs(features);
        g.setLabels(labels);
        g.computeGradientAndScore();
        Map<String, INDArray> out = new TreeMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
