package io.github.sknet.layer.graph;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import io.github.sknet.layer.conv.GroupedConv2DLayer;
import io.github.sknet.layer.norm.BatchNormLayer;

/**
 * Weights kept in the helpers' layouts between inference passes. oneDNN's convolutions read weights in
 * blocked layouts; converting SKNet-50's 25M weights took ~10 ms of every pass (a third of a batch-1
 * pass at 32x32, 8% at 224x224). For a graph whose weights no longer change (predict, evaluate,
 * serving), {@link #keep} converts each layer's weights once, on its second pass (the first converts
 * them as a graph without kept weights does: a graph run once makes no copy), and each BatchNorm
 * computes its per-channel scale and shift once.
 * <p>
 * Safe with training: a training pass, and every parameter setter of a layer, drops the kept copy. Not
 * seen: writes straight into the parameter arrays ({@code ComputationGraph.setParams(INDArray)},
 * {@code getParam(..).assign(..)}); call {@link #changed} after them.
 */
public final class InferenceWeights {
    private InferenceWeights() {
    }

    /**
     * {@code g}, its convolutions keeping their converted weights and its BatchNorms their scale and
     * shift between inference passes.
     */
    public static <G extends ComputationGraph> G keep(G g) {
        for (Layer l : g.getLayers()) {
            if (l instanceof GroupedConv2DLayer c) {
                c.keepPreparedWeights(true);
            } else if (l instanceof BatchNormLayer b) {
                b.keepInferenceScaleShift(true);
            }
        }
        return g;
    }

    /** Drops every kept copy of {@code g}'s weights: call after writing into its parameters directly. */
    public static void changed(ComputationGraph g) {
        for (Layer l : g.getLayers()) {
            if (l instanceof GroupedConv2DLayer c) {
                c.weightsChanged();
            } else if (l instanceof BatchNormLayer b) {
                b.parametersChanged();
            }
        }
    }
}
