package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.conv.GroupedConv2D;

class BatchNormRecalibrationTest {
    private static ComputationGraph net() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 3))
                .addLayer("conv", new GroupedConv2D.Builder().nIn(3).nOut(4).kernelSize(3).padding(1).build(), "in")
                .addLayer("bn", new BatchNorm.Builder().nOut(4).momentum(0.1).activation(Activation.RELU).build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** ListDataSetIterator batches single examples. */
    private static List<DataSet> examples(List<DataSet> batches) {
        List<DataSet> out = new ArrayList<>();
        batches.forEach(b -> out.addAll(b.asList()));
        return out;
    }

    @Test
    void runningStatisticsBecomeTheMeanOfTheBatchStatisticsAndNoWeightMoves() {
        ComputationGraph g = net();
        Nd4j.getRandom().setSeed(5);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            // batches with different offsets, so that an exponential average would be far off
            INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3, 6, 6).addi(b);
            batches.add(new DataSet(x, Nd4j.zeros(DataType.DOUBLE, 5, 2)));
        }
        batches.add(new DataSet(Nd4j.rand(DataType.DOUBLE, 1, 3, 6, 6).addi(100), Nd4j.zeros(DataType.DOUBLE, 1, 2)));
        INDArray mean = Nd4j.zeros(DataType.DOUBLE, 4), var = Nd4j.zeros(DataType.DOUBLE, 4);
        for (DataSet ds : batches.subList(0, 3)) {
            INDArray c = g.feedForward(ds.getFeatures(), false).get("conv");
            INDArray flat = c.permute(1, 0, 2, 3).dup('c').reshape(4, c.length() / 4);
            mean.addi(flat.mean(1).div(3));
            var.addi(flat.var(true, 1).div(3)); // PyTorch keeps the unbiased variance
        }
        INDArray before = g.params().dup();
        // batch size 5: the last batch holds the single image, which has no batch statistics
        long images = BatchNormRecalibration.recalibrate(g, new ListDataSetIterator<>(examples(batches), 5), 10);
        assertEquals(15, images, "the one-image batch must be skipped");
        org.deeplearning4j.nn.api.Layer bn = g.getLayer("bn");
        assertTrue(mean.equalsWithEps(bn.getParam("mean"), 1e-10), mean + " vs " + bn.getParam("mean"));
        assertTrue(var.equalsWithEps(bn.getParam("var"), 1e-10), var + " vs " + bn.getParam("var"));
        assertEquals(0.1, ((BatchNorm) bn.conf().getLayer()).getMomentum(), 0, "momentum restored");
        // only the 2 x 4 running statistics changed, no weight
        assertEquals(8, before.neq(g.params()).castTo(DataType.INT).sumNumber().intValue());
    }

    @Test
    void readsAtMostTheBatchesAskedFor() {
        ComputationGraph g = net();
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            batches.add(new DataSet(Nd4j.rand(DataType.DOUBLE, 3, 3, 6, 6), Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        }
        assertEquals(6, BatchNormRecalibration.recalibrate(g, new ListDataSetIterator<>(examples(batches), 3), 2));
    }
}
