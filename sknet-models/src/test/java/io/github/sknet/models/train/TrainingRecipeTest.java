package io.github.sknet.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

class TrainingRecipeTest {
    private static ComputationGraph net(TrainingRecipe r) {
        return SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(4).inputShape(3, 16, 16).updater(r.updater(10, 2))
                .regularization(r.regularization()).clipGradient(r.clipGradient()).build().init();
    }

    @Test
    void weightDecayReachesConvAndDenseWeightsButNotBatchNormOrBiases() {
        ComputationGraph g = net(TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 64));
        int convs = 0, norms = 0;
        for (Layer l : g.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer c = l.conf().getLayer();
            for (String p : l.paramTable().keySet()) {
                List<Regularization> reg = c.getRegularizationByParam(p);
                if (c instanceof BatchNorm) {
                    assertTrue(reg.isEmpty(), c.getLayerName() + "." + p + " is regularised: " + reg);
                    norms++;
                } else if (p.equals("W")) {
                    assertEquals(1, reg.size(), c.getLayerName());
                    assertInstanceOf(L2Regularization.class, reg.get(0));
                    assertEquals(5e-4, ((L2Regularization) reg.get(0)).getL2().valueAt(0, 0), 0);
                    convs++;
                } else {
                    assertTrue(reg.isEmpty(), c.getLayerName() + "." + p + " is regularised: " + reg);
                }
            }
        }
        assertTrue(convs > 10 && norms > 10, convs + " weights, " + norms + " BatchNorm parameters");
        assertTrue(g.getLayer("classifier").paramTable().containsKey("b"));
    }

    @Test
    void adamwDecaysDecoupledAndClippingIsPerLayer() {
        TrainingRecipe d = TrainingRecipe.defaults(TrainingRecipe.Optimizer.ADAMW, 64);
        TrainingRecipe r = new TrainingRecipe(d.optimizer(), d.learningRate(), d.momentum(), d.weightDecay(), 0,
                WarmupSchedule.Decay.COSINE, 1, 0.1, 0, 5.0);
        ComputationGraph g = net(r);
        GroupedConv2D conv = (GroupedConv2D) g.getLayer("stage_1.0.conv1.0").conf().getLayer();
        assertInstanceOf(Adam.class, conv.getUpdater());
        assertInstanceOf(WeightDecay.class, conv.getRegularization().get(0));
        assertTrue(((WeightDecay) conv.getRegularization().get(0)).isApplyLR());
        assertEquals(GradientNormalization.ClipL2PerLayer, conv.getGradientNormalization());
        assertEquals(5.0, conv.getGradientNormalizationThreshold(), 0);
    }

    @Test
    void defaultsScaleWithTheBatchAndBadValuesAreNamed() {
        assertEquals(0.2, TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 64).learningRate(), 1e-12);
        assertEquals(0.4, TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 128).learningRate(), 1e-12);
        assertEquals(0.02, TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 64).forFineTuning().learningRate(), 1e-12);
        assertEquals(TrainingRecipe.Optimizer.ADAMW, TrainingRecipe.Optimizer.byName("AdamW"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRecipe.Optimizer.byName("rmsprop"));
        assertTrue(e.getMessage().contains("sgd, adamw or adam"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 64).withLearningRate(-1));
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
    }
}
