package io.github.sknet.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

class FineTuningTest {
    private static final TrainingRecipe RECIPE = TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 8);

    @Test
    void everyTrunkParameterIsCarriedOverUnpermutedAndTheHeadIsNew() {
        ComputationGraph base = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 16, 16).seed(3)
                .build().init();
        for (boolean freeze : new boolean[] {false, true}) {
            ComputationGraph tuned = FineTuning.prepare(base, 2, RECIPE, 10, 2, freeze, 1);
            int compared = 0;
            for (Layer l : base.getLayers()) {
                String name = l.conf().getLayer().getLayerName();
                if (name.equals(SKNet.LOGITS) || name.equals(SKNet.OUTPUT)) {
                    continue;
                }
                Layer t = tuned.getLayer(name);
                assertEquals(freeze, t instanceof FrozenLayer, name);
                for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                    // compared by logical index: a permuted copy (BaseLayer's 'f'-order setParams on a
                    // c-ordered conv weight) has the same values in other places
                    assertTrue(p.getValue().equals(t.getParam(p.getKey())), name + "." + p.getKey() + " changed");
                    compared++;
                }
            }
            assertTrue(compared > 50, compared + " parameters compared");
            assertEquals(2, tuned.getLayer(SKNet.LOGITS).getParam("b").length());
            if (!freeze) { // the convolutions (SameDiff layers) follow the new recipe too, not the model's old one
                org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer conv =
                        (org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer) tuned
                                .getLayer("stage_1.0.conv1.0").conf().getLayer();
                assertEquals(RECIPE.updater(10, 2), conv.getUpdater());
            }
        }
    }

    @Test
    void refusesGraphsWithoutTheSknetVertices() {
        ComputationGraph base = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 16, 16).build().init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FineTuning.prepare(base, 0, RECIPE, 10, 2, false, 1));
        assertTrue(e.getMessage().contains("at least 1 class"), e.getMessage());
    }
}
