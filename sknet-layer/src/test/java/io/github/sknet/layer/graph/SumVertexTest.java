package io.github.sknet.layer.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.GraphGradients;

/** SumVertex against DL4J's ElementWiseVertex(Add) (+ ActivationLayer(ReLU)) on the same parameters. */
class SumVertexTest {

    /** in -> three dense branches -> join -> softmax output; the join is SumVertex or DL4J's own vertices. */
    private static ComputationGraph graph(boolean fused, boolean relu, int branches) {
        GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.DOUBLE).updater(new NoOp())
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(5));
        String[] parts = new String[branches];
        for (int i = 0; i < branches; i++) {
            parts[i] = "d" + i;
            gb.addLayer(parts[i], new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), "in");
        }
        String join = join(gb, fused, relu, "join", parts);
        gb.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build(), join).setOutputs("out");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        return g;
    }

    /** SumVertex(relu) named {@code name}, or DL4J's ElementWiseVertex(Add) (+ ActivationLayer(ReLU)); returns the output. */
    private static String join(GraphBuilder gb, boolean fused, boolean relu, String name, String... inputs) {
        if (fused) {
            gb.addVertex(name, new SumVertex(relu), inputs);
            return name;
        }
        gb.addVertex(name + "-add", new ElementWiseVertex(ElementWiseVertex.Op.Add), inputs);
        if (!relu) {
            return name + "-add";
        }
        gb.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "-add");
        return name;
    }

    /**
     * Joins whose inputs feed other vertices too. "s" may not hand p and q one gradient array: r, another
     * consumer of both, runs its backward after s and adds into p's gradient in place before q has read
     * its own. "res" is a residual join (s feeds it directly and through t), where sharing is safe.
     */
    private static ComputationGraph tangled(boolean fused) {
        GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE).updater(new NoOp())
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(5));
        gb.addLayer("p", new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), "in");
        gb.addLayer("q", new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), "in");
        String r = join(gb, fused, false, "r", "p", "q");
        gb.addLayer("u", new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), r);
        String s = join(gb, fused, true, "s", "p", "q", "u");
        gb.addLayer("t", new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), s);
        String res = join(gb, fused, true, "res", "t", s);
        gb.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build(), res).setOutputs("out");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        return g;
    }

    @Test
    void gradientsStayRightWhereInputsFeedOtherVertices() {
        ComputationGraph ours = tangled(true);
        ComputationGraph dl4j = tangled(false);
        dl4j.setParams(ours.params());
        DataSet d = data();
        assertTrue(ours.outputSingle(d.getFeatures()).equalsWithEps(dl4j.outputSingle(d.getFeatures()), 1e-12));
        Map<String, INDArray> ga = gradients(ours, d);
        Map<String, INDArray> gb = gradients(dl4j, d);
        assertEquals(gb.keySet(), ga.keySet());
        for (String k : ga.keySet()) {
            assertTrue(ga.get(k).equalsWithEps(gb.get(k), 1e-12), "gradient " + k + " differs");
        }
    }

    private static DataSet data() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 5).subi(0.5).muli(4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void matchesElementWiseAddAndReluForwardAndBackward() {
        for (boolean relu : new boolean[] {true, false}) {
            for (int branches : new int[] {2, 3}) {
                ComputationGraph ours = graph(true, relu, branches);
                ComputationGraph dl4j = graph(false, relu, branches);
                dl4j.setParams(ours.params());
                DataSet d = data();
                INDArray a = ours.outputSingle(d.getFeatures());
                INDArray b = dl4j.outputSingle(d.getFeatures());
                assertTrue(a.equalsWithEps(b, 1e-12), "outputs differ, relu=" + relu + ", M=" + branches);

                Map<String, INDArray> ga = gradients(ours, d);
                Map<String, INDArray> gb = gradients(dl4j, d);
                assertEquals(gb.keySet(), ga.keySet());
                for (String k : ga.keySet()) {
                    assertTrue(ga.get(k).equalsWithEps(gb.get(k), 1e-12), "gradient " + k + " differs, relu=" + relu);
                }
                if (relu) {
                    // the inputs must straddle 0, or the mask would not be exercised
                    INDArray pre = ours.feedForward(d.getFeatures(), false).get("d0");
                    assertTrue(pre.minNumber().doubleValue() < 0 && pre.maxNumber().doubleValue() > 0);
                }
            }
        }
    }

    private static Map<String, INDArray> gradients(ComputationGraph g, DataSet d) {
        return GraphGradients.of(g, d.getFeatures(), d.getLabels());
    }

    @Test
    void jsonRoundTrip() {
        ComputationGraphConfiguration conf = graph(true, true, 2).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(new SumVertex(true), back.getVertices().get("join"));
    }

    @Test
    void mismatchedShapesNameTheVertex() {
        ComputationGraph g = graph(true, true, 2);
        org.deeplearning4j.nn.graph.vertex.GraphVertex v = g.getVertex("join");
        v.setInputs(Nd4j.zeros(DataType.DOUBLE, 2, 7), Nd4j.zeros(DataType.DOUBLE, 2, 6));
        Exception e = assertThrows(RuntimeException.class, () -> v.doForward(false,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("SumVertex 'join'") && e.getMessage().contains("[2, 6]"), e.getMessage());
    }
}
