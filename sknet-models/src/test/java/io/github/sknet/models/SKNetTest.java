package io.github.sknet.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The zoo-style API: building, shapes, JSON, transfer learning, argument errors. */
class SKNetTest {

    @Test
    void zooModelBuildsAnInitialisedGraphWithTheRequestedShape() {
        SKNet zoo = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(4).inputShape(3, 24, 24).seed(7).build();
        assertEquals("sknet_small", zoo.modelName());
        assertArrayEquals(new int[] {3, 24, 24}, zoo.metaData().getInputShape()[0]);
        ComputationGraph g = zoo.init();
        INDArray logits = g.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 24, 24), false).get(SKNet.LOGITS);
        assertArrayEquals(new long[] {2, 4}, logits.shape());
        assertEquals(g.getConfiguration(), ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson()));
        assertTrue(g.summary().contains("stage_1.0.conv2_sk/branch0/conv"));
    }

    @Test
    void transferLearningFreezesTheTrunkAndReplacesTheHead() {
        ComputationGraph base = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(10).build().init();
        ComputationGraph tl = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .setFeatureExtractor("avgpool")
                .removeVertexAndConnections(SKNet.OUTPUT)
                .removeVertexAndConnections(SKNet.LOGITS)
                .addLayer(SKNet.LOGITS, new DenseLayer.Builder().nIn(SKNetVariant.SKNET_SMALL.features()).nOut(3)
                        .activation(Activation.IDENTITY).build(), "avgpool")
                .addLayer(SKNet.OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), SKNet.LOGITS)
                .setOutputs(SKNet.OUTPUT).build();
        INDArray trunkBefore = tl.getLayer("stage_2.0.conv2_sk/branch1/conv").params().dup();
        INDArray headBefore = tl.getLayer(SKNet.LOGITS).params().dup();
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 3, 1);
        }
        tl.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32), y));
        assertEquals(trunkBefore, tl.getLayer("stage_2.0.conv2_sk/branch1/conv").params(), "frozen trunk changed");
        assertNotEquals(headBefore, tl.getLayer(SKNet.LOGITS).params(), "new head did not train");
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SKNet.builder(SKNetVariant.SKNET50)
                .inputShape(3, 16, 16).build()).getMessage().contains("too small"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SKNet.builder(SKNetVariant.SKNET26)
                .numClasses(0).build()).getMessage().contains("number of classes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SKNetVariant.byId("sknet7"))
                .getMessage().contains("known: "));
    }

    @Test
    void oneBuilderGivesTheConfigurationAndTheZooModelAlike() {
        SKNet.Builder b = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 20, 20).seed(3);
        ComputationGraphConfiguration conf = b.conf();
        SKNet zoo = b.build();
        assertEquals(conf, zoo.conf());
        assertEquals(5, zoo.numClasses());
        // the model keeps the settings it was built with
        b.numClasses(9).inputShape(3, 32, 32);
        assertEquals(conf, zoo.conf());
        assertEquals(5, zoo.numClasses());
        assertArrayEquals(new int[] {3, 20, 20}, zoo.metaData().getInputShape()[0]);
        // DL4J's zoo API changes the input shape of the model itself
        zoo.setInputShape(new int[][] {{3, 28, 28}});
        assertArrayEquals(new int[] {3, 28, 28}, zoo.metaData().getInputShape()[0]);
        assertEquals(SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 28, 28).seed(3).conf(),
                zoo.conf());
        assertThrows(InputTooSmallException.class, () -> b.inputShape(3, 2, 2).conf());
    }
}
