package io.github.sknet.layer.fold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.norm.BatchNormParamInitializer;
import io.github.sknet.layer.sk.SKAttention;
import io.github.sknet.layer.sk.SKConv;
import io.github.sknet.layer.sk.SKConvConfig;

/** Folded graphs compute what the original computes in inference, with the foldable BatchNorms gone. */
class BatchNormFoldingTest {
    private static final int H = 6;
    private static final String SK = "sk";

    /**
     * in -> c1 -> bn1 (ReLU) -> c2 (has a bias) -> bn2 -> SKConv (2 branch conv->bn, fuse/fc->fuse/bn)
     * -> c3 -> bn3, c3 + bn3 -> pool -> out; and a second output: bn1 -> auxconv -> aux (a BatchNorm).
     * c3 also feeds the sum, so bn3 must stay.
     */
    static ComputationGraph graph(DataType dt) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(42).dataType(dt)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(H, H, 4));
        gb.addLayer("c1", new GroupedConv2D.Builder().nOut(8).groups(2).kernelSize(3).padding(1).build(), "in")
                .addLayer("bn1", new BatchNorm.Builder().activation(Activation.RELU).build(), "c1")
                .addLayer("c2", new GroupedConv2D.Builder().nOut(8).kernelSize(3).padding(1).hasBias(true).build(), "bn1")
                .addLayer("bn2", new BatchNorm.Builder().eps(1e-3).build(), "c2");
        String sk = SKConv.add(gb, SK, SKConvConfig.builder(8).branches(2).groups(4).minWidth(4).build(), "bn2");
        gb.addLayer("c3", new GroupedConv2D.Builder().nOut(8).kernelSize(1).build(), sk)
                .addLayer("bn3", new BatchNorm.Builder().build(), "c3")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c3", "bn3")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .addLayer("auxconv", new GroupedConv2D.Builder().nOut(4).kernelSize(1).build(), "bn1")
                .addLayer("aux", new BatchNorm.Builder().build(), "auxconv")
                .setOutputs("out", "aux");
        ComputationGraph net = new ComputationGraph(gb.build());
        net.init();
        randomizeBatchNormsAndBiases(net);
        return net;
    }

    /** Running statistics, scales and shifts far from their 1/0 defaults, so that folding has work to do. */
    static void randomizeBatchNormsAndBiases(ComputationGraph net) {
        Nd4j.getRandom().setSeed(7);
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            Map<String, INDArray> p = l.paramTable();
            if (l.conf().getLayer() instanceof BatchNorm) {
                p.get(BatchNormParamInitializer.GAMMA).assign(uniform(p.get("gamma"), 0.5, 2.0));
                p.get(BatchNormParamInitializer.BETA).assign(uniform(p.get("beta"), -0.5, 0.5));
                p.get(BatchNormParamInitializer.MEAN).assign(uniform(p.get("mean"), -0.5, 0.5));
                p.get(BatchNormParamInitializer.VAR).assign(uniform(p.get("var"), 0.2, 3.0));
            } else if (p.containsKey("b")) {
                p.get("b").assign(uniform(p.get("b"), -0.5, 0.5));
            }
        }
    }

    private static INDArray uniform(INDArray like, double lo, double hi) {
        return Nd4j.rand(DataType.DOUBLE, like.shape()).muli(hi - lo).addi(lo);
    }

    private static INDArray input(DataType dt) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(DataType.DOUBLE, 3, 4, H, H).subi(0.5).muli(2).castTo(dt);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void foldedGraphGivesTheSameOutputsAndActivations(DataType dt) {
        ComputationGraph net = graph(dt);
        INDArray paramsBefore = net.params().dup();
        String confBefore = net.getConfiguration().toJson();
        INDArray x = input(dt);
        double tol = dt == DataType.DOUBLE ? 1e-9 : 1e-4;

        ComputationGraph folded = BatchNormFolding.fold(net);

        assertNotSame(net, folded);
        assertEquals(paramsBefore, net.params(), "fold changed the original's parameters");
        assertEquals(confBefore, net.getConfiguration().toJson(), "fold changed the original's configuration");
        assertEquals(dt, folded.getConfiguration().getDataType());
        assertEquals(dt, folded.params().dataType());
        assertEquals(List.of("out", "aux"), folded.getConfiguration().getNetworkOutputs());

        INDArray[] expected = net.output(false, x);
        INDArray[] got = folded.output(false, x);
        assertEquals(expected.length, got.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Arrays.toString(expected[i].shape()), Arrays.toString(got[i].shape()));
            assertClose(expected[i], got[i], tol, "output " + i);
        }
        // every vertex left keeps its name and its (inference) activations
        Map<String, INDArray> before = net.feedForward(new INDArray[] {x}, false, false);
        Map<String, INDArray> after = folded.feedForward(new INDArray[] {x}, false, false);
        for (Map.Entry<String, INDArray> e : after.entrySet()) {
            assertTrue(before.containsKey(e.getKey()), "new vertex " + e.getKey());
            assertClose(before.get(e.getKey()), e.getValue(), tol, "activations of " + e.getKey());
        }
        assertClose(SKAttention.read(net, SK, x), SKAttention.read(folded, SK, x), tol, "SK attention");
    }

    @Test
    void foldsEveryConvOrDenseBatchNormPairThatFeedsNothingElse() {
        ComputationGraph net = graph(DataType.FLOAT);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("bn1", "c1");
        expected.put("bn2", "c2");
        expected.put(SKConv.branchBn(SK, 0), SKConv.branchConv(SK, 0));
        expected.put(SKConv.branchBn(SK, 1), SKConv.branchConv(SK, 1));
        expected.put(SKConv.fuseBn(SK), SKConv.fuseFc(SK));
        expected.put("aux", "auxconv");
        assertEquals(expected, BatchNormFolding.foldablePairs(net.getConfiguration()));

        ComputationGraph folded = BatchNormFolding.fold(net);
        Map<String, GraphVertex> before = net.getConfiguration().getVertices();
        Map<String, GraphVertex> after = folded.getConfiguration().getVertices();
        assertEquals(before.size() - expected.size(), after.size());
        for (Map.Entry<String, String> p : expected.entrySet()) {
            assertFalse(after.containsKey(p.getValue()), p.getValue() + " is still there");
            Layer fused = layer(after.get(p.getKey()));
            Layer bn = layer(before.get(p.getKey()));
            assertEquals(layer(before.get(p.getValue())).getClass(), fused.getClass(), p.getKey());
            assertEquals(activation(bn), activation(fused), p.getKey());
            assertEquals(p.getKey(), fused.getLayerName());
            assertTrue(fused instanceof GroupedConv2D ? ((GroupedConv2D) fused).hasBias() : ((DenseLayer) fused).hasBias());
            assertEquals(net.getConfiguration().getVertexInputs().get(p.getValue()),
                    folded.getConfiguration().getVertexInputs().get(p.getKey()), "inputs of " + p.getKey());
        }
        assertTrue(activation(layer(after.get("bn1"))) instanceof ActivationReLU);
        assertTrue(activation(layer(after.get("bn2"))) instanceof ActivationIdentity);
        // the conv that also feeds the residual sum is left alone, and so is its BatchNorm
        assertTrue(after.containsKey("c3"));
        assertTrue(layer(after.get("bn3")) instanceof BatchNorm);
        assertFalse(((GroupedConv2D) layer(after.get("c3"))).hasBias());
        long batchNorms = after.values().stream().filter(v -> layer(v) instanceof BatchNorm).count();
        assertEquals(1, batchNorms);
        // the graph's vertex types still come out as before, for every vertex left
        InputType in = InputType.convolutional(H, H, 4);
        Map<String, InputType> typesBefore = net.getConfiguration().clone().getLayerActivationTypes(in);
        Map<String, InputType> typesAfter = folded.getConfiguration().clone().getLayerActivationTypes(in);
        for (Map.Entry<String, InputType> e : typesAfter.entrySet()) {
            assertEquals(typesBefore.get(e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals(typesBefore.keySet().size() - expected.size(), typesAfter.size());

        // nothing left to fold: a second fold is a plain copy
        assertEquals(Map.of(), BatchNormFolding.foldablePairs(folded.getConfiguration()));
        ComputationGraph again = BatchNormFolding.fold(folded);
        assertEquals(folded.getConfiguration().getVertices().keySet(), again.getConfiguration().getVertices().keySet());
        assertEquals(folded.params(), again.params());
    }

    @Test
    void leavesBatchNormsAfterActivatedOrSharedProducersAlone() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("reluconv", new GroupedConv2D.Builder().nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("bnA", new BatchNorm.Builder().build(), "reluconv")
                .addLayer("conv", new GroupedConv2D.Builder().nOut(4).padding(1).build(), "in")
                .addLayer("bnB", new BatchNorm.Builder().build(), "conv")
                .addLayer("bnC", new BatchNorm.Builder().build(), "bnB") // a BN after a BN
                .addLayer("outconv", new GroupedConv2D.Builder().nOut(4).kernelSize(1).build(), "in")
                .addLayer("bnD", new BatchNorm.Builder().build(), "outconv")
                .setOutputs("bnA", "bnC", "bnD", "outconv") // outconv is itself an output
                .build();
        assertEquals(Map.of("bnB", "conv"), BatchNormFolding.foldablePairs(conf));
    }

    @Test
    void foldedGraphSurvivesJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraph folded = BatchNormFolding.fold(graph(DataType.FLOAT));
        INDArray x = input(DataType.FLOAT);
        INDArray[] expected = folded.output(false, x);

        String json = folded.getConfiguration().toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(folded.getConfiguration(), back);
        ComputationGraph rebuilt = new ComputationGraph(back);
        rebuilt.init(folded.params().dup(), false);
        assertArrayEquals(expected, rebuilt.output(false, x), "JSON round trip");

        File f = dir.resolve("folded.zip").toFile();
        ModelSerializer.writeModel(folded, f, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, false);
        assertEquals(folded.params(), restored.params());
        assertArrayEquals(expected, restored.output(false, x), "ModelSerializer round trip");
        assertEquals(BatchNormFolding.foldablePairs(folded.getConfiguration()),
                BatchNormFolding.foldablePairs(restored.getConfiguration()));
    }

    @Test
    void badInputIsRefusedWithTheLayerAndTheProblem() {
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.fold(null));
        assertTrue(nul.getMessage().contains("null"), nul.getMessage());

        // without input types nothing sets the BatchNorm's channels from the conv's
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .addLayer("conv", new GroupedConv2D.Builder().nIn(2).nOut(4).padding(1).build(), "in")
                .addLayer("bn", new BatchNorm.Builder().nOut(3).build(), "conv") // wrong channel count
                .setOutputs("bn").build();
        ComputationGraph uninitialised = new ComputationGraph(conf);
        IllegalStateException notInit = assertThrows(IllegalStateException.class,
                () -> BatchNormFolding.fold(uninitialised));
        assertTrue(notInit.getMessage().contains("init()"), notInit.getMessage());

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.fold(net));
        assertTrue(mismatch.getMessage().contains("'bn' has 3 channels") && mismatch.getMessage().contains("'conv'"),
                mismatch.getMessage());

        ComputationGraphConfiguration ok = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("conv", new GroupedConv2D.Builder().nOut(4).padding(1).build(), "in")
                .addLayer("bn", new BatchNorm.Builder().build(), "conv")
                .setOutputs("bn").build();
        ComputationGraph negative = new ComputationGraph(ok);
        negative.init();
        negative.getLayer("bn").getParam(BatchNormParamInitializer.VAR).putScalar(2, -1.0);
        IllegalArgumentException var = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(negative));
        assertTrue(var.getMessage().contains("'bn'") && var.getMessage().contains("variance"), var.getMessage());

        assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.foldablePairs(null));
    }

    private static Layer layer(GraphVertex v) {
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }

    private static void assertArrayEquals(INDArray[] expected, INDArray[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], what + " output " + i);
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double relTol, String what) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what);
        double err = actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = Math.max(1e-3, expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        assertTrue(err <= relTol * scale, what + ": max error " + err + " (max |expected| " + scale + ")");
    }

    private static org.nd4j.linalg.activations.IActivation activation(Layer l) {
        return l instanceof GroupedConv2D conv ? conv.getActivationFn() : ((BaseLayer) l).getActivationFn();
    }
}
