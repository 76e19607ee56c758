package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.GraphGradients;

/** SKFuseVertex against DL4J's ElementWiseVertex(Add) + GlobalPoolingLayer(AVG) on the same parameters. */
class SKFuseVertexTest {

    /**
     * in -> conv branches p, q -> fuse -> dense -> output. {@code laterConsumer}: p and q also feed a join
     * after the fuse (SKConv's select step: sharing one gradient array is safe); otherwise a join before it
     * adds into p's gradient while q has not read its own (sharing would be wrong).
     */
    private static ComputationGraph graph(boolean ours, boolean laterConsumer) {
        GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new NoOp())
                .weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 4, 3));
        gb.addLayer("p", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.TANH).build(), "in");
        gb.addLayer("q", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.TANH).build(), "in");
        String[] branches = {"p", "q"};
        if (!laterConsumer) {
            gb.addVertex("early", new ElementWiseVertex(ElementWiseVertex.Op.Product), "p", "q");
            gb.addLayer("u", new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.TANH).build(), "early");
            branches = new String[] {"p", "q", "u"};
        }
        if (ours) {
            gb.addVertex("fuse", new SKFuseVertex(), branches);
        } else {
            gb.addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), branches);
            gb.addLayer("fuse", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum");
        }
        gb.addLayer("fc", new DenseLayer.Builder().nOut(12).activation(Activation.TANH).build(), "fuse");
        String last = "fc";
        if (laterConsumer) {
            gb.addVertex("late", new ElementWiseVertex(ElementWiseVertex.Op.Add), "p", "q");
            gb.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "late");
            gb.addVertex("both", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "fc", "pool");
            last = "both";
        }
        gb.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                .activation(Activation.IDENTITY).build(), last).setOutputs("out");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        return g;
    }

    @Test
    void matchesAddThenAveragePoolForwardAndBackward() {
        for (boolean laterConsumer : new boolean[] {true, false}) {
            ComputationGraph ours = graph(true, laterConsumer);
            ComputationGraph dl4j = graph(false, laterConsumer);
            dl4j.setParams(ours.params());
            Nd4j.getRandom().setSeed(9);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 4).subi(0.5);
            INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 3);
            assertTrue(ours.outputSingle(x).equalsWithEps(dl4j.outputSingle(x), 1e-12),
                    "outputs differ, laterConsumer=" + laterConsumer);
            Map<String, INDArray> ga = GraphGradients.of(ours, x, y);
            Map<String, INDArray> gb = GraphGradients.of(dl4j, x, y);
            assertEquals(gb.keySet(), ga.keySet());
            for (String k : ga.keySet()) {
                assertTrue(ga.get(k).equalsWithEps(gb.get(k), 1e-12), "gradient " + k + " differs, laterConsumer="
                        + laterConsumer);
            }
        }
    }

    @Test
    void jsonRoundTripAndOutputType() {
        ComputationGraphConfiguration conf = graph(true, true).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(new SKFuseVertex(((SKFuseVertex) conf.getVertices().get("fuse")).getBranches()),
                back.getVertices().get("fuse"));
        assertEquals(InputType.feedForward(6), new SKFuseVertex().getOutputType(-1,
                InputType.convolutional(5, 4, 6), InputType.convolutional(5, 4, 6)));
    }

    @Test
    void mismatchedBranchesNameTheVertex() {
        org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph(true, true).getVertex("fuse");
        v.setInputs(Nd4j.zeros(DataType.DOUBLE, 2, 6, 5, 4), Nd4j.zeros(DataType.DOUBLE, 2, 6, 5, 3));
        Exception e = assertThrows(RuntimeException.class, () -> v.doForward(false, LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("SKFuseVertex 'fuse'") && e.getMessage().contains("[2, 6, 5, 3]"),
                e.getMessage());
    }
}
