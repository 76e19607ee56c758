package io.github.sknet.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Nesterovs;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

class WarmupScheduleTest {
    @Test
    void linearWarmupThenCosineToZero() {
        WarmupSchedule s = WarmupSchedule.cosine(0.1, 10, 110);
        assertEquals(0.01, s.valueAt(0, 0), 1e-12);
        assertEquals(0.05, s.valueAt(4, 0), 1e-12);
        assertEquals(0.1, s.valueAt(9, 0), 1e-12);
        assertEquals(0.1, s.valueAt(10, 1), 1e-12);
        assertEquals(0.05, s.valueAt(60, 3), 1e-12);
        assertEquals(0.0, s.valueAt(110, 9), 1e-12);
        assertEquals(0.0, s.valueAt(500, 9), 1e-12, "past the end stays at 0");
        for (int i = 11; i < 110; i++) {
            assertTrue(s.valueAt(i, 0) <= s.valueAt(i - 1, 0), "not decreasing at " + i);
        }
    }

    @Test
    void stepAndConstant() {
        WarmupSchedule s = WarmupSchedule.step(1.0, 0, 100, 30, 0.1);
        assertEquals(1.0, s.valueAt(29, 0), 1e-12);
        assertEquals(0.1, s.valueAt(30, 0), 1e-12);
        assertEquals(0.01, s.valueAt(65, 0), 1e-12);
        assertEquals(0.5, WarmupSchedule.constant(0.5, 2, 10).valueAt(7, 0), 1e-12);
        assertEquals(0.25, WarmupSchedule.constant(0.5, 2, 10).valueAt(0, 0), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> WarmupSchedule.cosine(0, 1, 10));
        assertThrows(IllegalArgumentException.class, () -> WarmupSchedule.step(1, 1, 10, 0, 0.1));
    }

    @Test
    void survivesDl4jJsonInsideTheUpdater() {
        TrainingRecipe r = TrainingRecipe.defaults(TrainingRecipe.Optimizer.SGD, 64);
        ComputationGraphConfiguration conf = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(3).inputShape(3, 16, 16)
                .updater(r.updater(20, 5)).regularization(r.regularization()).build().conf();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        BaseLayer classifier = (BaseLayer) ((LayerVertex) back.getVertices().get("classifier")).getLayerConf().getLayer();
        Nesterovs u = (Nesterovs) classifier.getIUpdater();
        assertEquals(r.schedule(20, 5), u.getLearningRateSchedule());
        assertEquals(0.9, u.getMomentum(), 0);
    }
}
