package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * Grouped convolutions inside a graph, where DL4J hands each layer a view at an offset of one flat
 * gradient array: the oneDNN engine (float32, narrow groups merged for the weight gradient) against the
 * ND4J engine (float64) on the same parameters.
 */
class GroupedConvLayerGradientTest {

    private static ComputationGraph graph(DataType dt) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(8).dataType(dt)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(7, 7, 8))
                .addLayer("a", new GroupedConv2D.Builder().nOut(16).groups(4).kernelSize(3).padding(2).dilation(2)
                        .build(), "in")
                // at an offset of the flat gradient; SKNet's narrow groups, merged for the weight gradient
                .addLayer("b", new GroupedConv2D.Builder().nOut(16).groups(4).kernelSize(3).padding(1).build(), "a")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "b")
                .setOutputs("loss").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void oneDnnGradientsMatchTheNd4jEngineAtEveryParameterOffset() {
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        ComputationGraph f64 = graph(DataType.DOUBLE);
        ComputationGraph f32 = graph(DataType.FLOAT);
        f32.setParams(f64.params().castTo(DataType.FLOAT));
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 8, 7, 7).subi(0.5);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 3, 16, 7, 7).subi(0.5);
        for (ComputationGraph g : new ComputationGraph[] {f64, f32}) {
            DataType dt = g == f64 ? DataType.DOUBLE : DataType.FLOAT;
            g.setInputs(x.castTo(dt));
            g.setLabels(y.castTo(dt));
            g.computeGradientAndScore();
        }
        for (String layer : new String[] {"a", "b"}) {
            ConvGeometry geo = new ConvGeometry(3, layer.equals("a") ? 8 : 16, 7, 7, 16, 4, new int[] {3, 3},
                    new int[] {1, 1}, layer.equals("a") ? new int[] {2, 2} : new int[] {1, 1},
                    layer.equals("a") ? new int[] {2, 2} : new int[] {1, 1});
            // the dilated one is merged only where that finds a direct kernel (AVX-512, not AVX2)
            if (layer.equals("b")) {
                assertTrue(OneDnnGroupedConvHelper.INSTANCE.backwardWeightsGroupsMerged(geo) > 1,
                        "expected merged groups for " + geo);
            }
            INDArray want = f64.gradient().getGradientFor(layer + "_W");
            INDArray got = f32.gradient().getGradientFor(layer + "_W").castTo(DataType.DOUBLE);
            double err = got.sub(want).amaxNumber().doubleValue();
            double scale = Math.max(1e-3, want.amaxNumber().doubleValue());
            assertTrue(err <= 1e-4 * scale, layer + " weight gradient max error " + err + " (scale " + scale + ")");
        }
    }
}
