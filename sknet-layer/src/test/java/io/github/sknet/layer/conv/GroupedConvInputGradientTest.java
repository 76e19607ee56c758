package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** inputGradient(false): same parameter gradients, no input gradient, and the setting survives JSON. */
class GroupedConvInputGradientTest {

    private static ComputationGraph graph(DataType dt, boolean inputGradient) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(dt)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 8))
                .addLayer("conv", new GroupedConv2D.Builder().nOut(8).groups(4).kernelSize(3).padding(1)
                        .inputGradient(inputGradient).build(), "in")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("loss").build();
        ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
        g.init();
        return g;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"}) // the oneDNN and the ND4J engine
    void skipsOnlyTheInputGradient(DataType dt) {
        ComputationGraph with = graph(dt, true);
        ComputationGraph without = graph(dt, false);
        assertFalse(((GroupedConv2D) without.getLayer("conv").conf().getLayer()).isInputGradient(),
                "inputGradient lost in the JSON round trip");
        without.setParams(with.params());
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.rand(dt, 2, 8, 6, 6);
        INDArray y = Nd4j.rand(dt, 2, 8, 6, 6);
        for (ComputationGraph g : new ComputationGraph[] {with, without}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
        assertEquals(with.score(), without.score(), 1e-6);
        assertTrue(with.gradient().gradient().equalsWithEps(without.gradient().gradient(), 1e-6));

        INDArray eps = Nd4j.rand(dt, 2, 8, 6, 6);
        for (ComputationGraph g : new ComputationGraph[] {with, without}) {
            g.getLayer("conv").setInput(x, LayerWorkspaceMgr.noWorkspaces());
        }
        Pair<?, INDArray> a = with.getLayer("conv").backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces());
        Pair<?, INDArray> b = without.getLayer("conv").backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces());
        assertNotNull(a.getSecond());
        assertNull(b.getSecond());
    }
}
