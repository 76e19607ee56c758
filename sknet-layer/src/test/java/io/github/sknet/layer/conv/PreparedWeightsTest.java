package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import io.github.sknet.layer.graph.InferenceWeights;
import io.github.sknet.layer.sk.SKConvGraphs;
import io.github.sknet.layer.sk.SKConvConfig;

/**
 * Weights kept in oneDNN's layout between inference passes ({@link InferenceWeights}): copied once, on
 * the second pass, never used after the weights changed.
 */
class PreparedWeightsTest {
    private static final INDArray X = Nd4j.rand(DataType.FLOAT, 4, 64, 12, 12);

    /** An SKConv with 16 input and output channels per group (oneDNN keeps such weights blocked with AVX2 and with AVX-512), then a classifier. */
    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SKConvConfig.builder(64).inChannels(64)
                .branches(2).groups(4).minWidth(8).build(), 12, 12, 3, DataType.FLOAT, new Sgd(0.5)));
        g.init();
        return g;
    }

    /** A graph without kept weights, with {@code params}: the reference. */
    private static INDArray fresh(INDArray params) {
        ComputationGraph g = graph();
        g.setParams(params);
        return g.outputSingle(X);
    }

    private static List<GroupedConv2DLayer> convolutions(ComputationGraph g) {
        return Arrays.stream(g.getLayers()).filter(l -> l instanceof GroupedConv2DLayer)
                .map(l -> (GroupedConv2DLayer) l).toList();
    }

    private static int conversions(ComputationGraph g) {
        return convolutions(g).stream().mapToInt(GroupedConv2DLayer::preparedWeightConversions).sum();
    }

    @Test
    void weightsAreConvertedOnceAndGiveTheSameOutputs() {
        ComputationGraph g = InferenceWeights.keep(graph());
        assertNotNull(convolutions(g).get(0).helper(), "the oneDNN helper runs (float32 on the CPU)");
        INDArray first = g.outputSingle(X);
        assertEquals(0, conversions(g), "the first pass keeps no copy (a graph run once makes none)");
        INDArray second = g.outputSingle(X);
        int once = conversions(g);
        assertTrue(once > 0, "the second pass keeps some weights in a blocked layout");
        INDArray third = g.outputSingle(X);
        assertEquals(once, conversions(g), "the third pass converted weights again");
        INDArray reference = fresh(g.params());
        assertEquals(reference, first);
        assertEquals(reference, second);
        assertEquals(reference, third);
    }

    /** Two passes: the kept copies exist (a test of their invalidation shows nothing without them). */
    private static INDArray twoPasses(ComputationGraph g) {
        g.outputSingle(X);
        INDArray out = g.outputSingle(X);
        assertTrue(conversions(g) > 0, "weights are kept after two passes");
        return out;
    }

    @Test
    void aTrainingStepDropsTheKeptWeights() {
        ComputationGraph g = InferenceWeights.keep(graph());
        INDArray before = twoPasses(g);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1);
        }
        g.fit(new DataSet(X, y));
        INDArray after = g.outputSingle(X);
        assertFalse(after.equalsWithEps(before, 1e-4), "the step changed the outputs (else the test shows nothing)");
        assertEquals(fresh(g.params()), after, "inference after a training step must use the new weights");
    }

    @Test
    void parameterChangesDropTheKeptWeights() {
        ComputationGraph g = InferenceWeights.keep(graph());
        twoPasses(g);
        // through a layer's setter: dropped by the layer itself
        GroupedConv2DLayer c = convolutions(g).get(0);
        c.setParam(GroupedConv2D.WEIGHT_KEY, c.getParam(GroupedConv2D.WEIGHT_KEY).mul(-1.5));
        assertEquals(fresh(g.params()), g.outputSingle(X), "after Layer.setParam");
        // straight into the flat parameters: dropped by InferenceWeights.changed
        INDArray other = graph().params().mul(0.7);
        g.setParams(other);
        InferenceWeights.changed(g);
        assertEquals(fresh(other), g.outputSingle(X), "after ComputationGraph.setParams + InferenceWeights.changed");
    }
}
