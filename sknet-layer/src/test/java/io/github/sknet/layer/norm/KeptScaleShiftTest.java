package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.github.sknet.layer.sk.SKConvConfig;
import io.github.sknet.layer.sk.SKConvGraphs;

/**
 * BatchNorm's inference scale and shift kept between passes ({@link InferenceWeights}): computed once,
 * never used after the parameters or running statistics changed.
 */
class KeptScaleShiftTest {
    private static final INDArray X = Nd4j.rand(DataType.FLOAT, 4, 32, 10, 10);

    /** An SKConv (BatchNorms on [N, C, H, W] in the branches and on [N, d] in the attention), then a classifier. */
    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(SKConvGraphs.classifier(SKConvConfig.builder(32).inChannels(32)
                .branches(2).groups(4).minWidth(8).build(), 10, 10, 3, DataType.FLOAT, new Sgd(0.5)));
        g.init();
        return g;
    }

    /** A graph that keeps nothing, with {@code params}: the reference. */
    private static INDArray fresh(INDArray params) {
        ComputationGraph g = graph();
        g.setParams(params);
        return g.outputSingle(X);
    }

    private static List<BatchNormLayer> batchNorms(ComputationGraph g) {
        return Arrays.stream(g.getLayers()).filter(l -> l instanceof BatchNormLayer).map(l -> (BatchNormLayer) l)
                .toList();
    }

    private static boolean allHold(ComputationGraph g) {
        return batchNorms(g).stream().allMatch(BatchNormLayer::holdsKeptScaleShift);
    }

    private static boolean noneHolds(ComputationGraph g) {
        return batchNorms(g).stream().noneMatch(BatchNormLayer::holdsKeptScaleShift);
    }

    /** Running statistics away from PyTorch's initial 0 and 1, so that using stale ones shows. */
    private static ComputationGraph trainedOnce(ComputationGraph g) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1);
        }
        g.fit(new DataSet(X, y));
        return g;
    }

    @Test
    void keptAfterTheFirstInferencePassAndTheSameOutputs() {
        ComputationGraph g = InferenceWeights.keep(trainedOnce(graph()));
        assertTrue(batchNorms(g).size() >= 3, "branch and attention BatchNorms");
        assertTrue(noneHolds(g), "nothing kept before a pass");
        INDArray first = g.outputSingle(X);
        assertTrue(allHold(g), "every BatchNorm keeps its scale and shift after an inference pass");
        INDArray second = g.outputSingle(X);
        assertEquals(fresh(g.params()), first);
        assertEquals(first, second);
    }

    @Test
    void notKeptWithoutInferenceWeights() {
        ComputationGraph g = trainedOnce(graph());
        g.outputSingle(X);
        assertTrue(noneHolds(g));
    }

    @Test
    void aTrainingStepDropsTheKeptScaleShift() {
        ComputationGraph g = InferenceWeights.keep(graph());
        INDArray before = g.outputSingle(X);
        trainedOnce(g);
        assertTrue(noneHolds(g), "the training pass dropped what was kept");
        INDArray after = g.outputSingle(X);
        assertFalse(after.equalsWithEps(before, 1e-4), "the step changed the outputs (else the test shows nothing)");
        assertEquals(fresh(g.params()), after, "inference after a training step uses the new statistics");
    }

    @Test
    void parameterChangesDropTheKeptScaleShift() {
        ComputationGraph g = InferenceWeights.keep(trainedOnce(graph()));
        g.outputSingle(X);
        // through a layer's setter: dropped by the layer itself
        BatchNormLayer b = batchNorms(g).get(0);
        b.setParam(BatchNormParamInitializer.VAR, b.getParam(BatchNormParamInitializer.VAR).mul(3));
        assertEquals(fresh(g.params()), g.outputSingle(X), "after Layer.setParam");
        // straight into the flat parameters: dropped by InferenceWeights.changed
        INDArray other = g.params().dup();
        other.muli(0.9);
        g.setParams(other);
        InferenceWeights.changed(g);
        assertEquals(fresh(other), g.outputSingle(X), "after ComputationGraph.setParams + InferenceWeights.changed");
    }
}
