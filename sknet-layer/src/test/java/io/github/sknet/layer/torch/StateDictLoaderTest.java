package io.github.sknet.layer.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.norm.BatchNormParamInitializer;

/** PyTorch tensors into DL4J parameters: layouts, and every problem named. */
class StateDictLoaderTest {

    /** conv (3 -> 4, groups 1, bias) -> bn -> pool -> fc (4 -> 2). */
    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("x").setInputTypes(InputType.convolutional(5, 5, 3))
                .addLayer("conv", new GroupedConv2D.Builder().nOut(4).kernelSize(3).hasBias(true).build(), "x")
                .addLayer("bn", new BatchNorm.Builder().nOut(4).build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "bn")
                .addLayer("fc", new DenseLayer.Builder().nOut(2).build(), "pool")
                .setOutputs("fc").build());
        g.init();
        return g;
    }

    private static INDArray seq(DataType dt, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Nd4j.linspace(1, n, n, dt).reshape(shape);
    }

    private static Map<String, INDArray> stateDict() {
        Map<String, INDArray> sd = new HashMap<>();
        sd.put("conv.weight", seq(DataType.FLOAT, 4, 3, 3, 3));
        sd.put("conv.bias", seq(DataType.FLOAT, 4).mul(-1));
        sd.put("bn.weight", seq(DataType.DOUBLE, 4)); // float64 from numpy is cast
        sd.put("bn.bias", seq(DataType.FLOAT, 4).add(10));
        sd.put("bn.running_mean", seq(DataType.FLOAT, 4).add(20));
        sd.put("bn.running_var", seq(DataType.FLOAT, 4).add(30));
        sd.put("bn.num_batches_tracked", Nd4j.scalar(DataType.LONG, 7)); // 0-d int64, as PyTorch writes it
        sd.put("fc.weight", seq(DataType.FLOAT, 2, 4)); // nn.Linear [out, in]
        sd.put("fc.bias", seq(DataType.FLOAT, 2));
        return sd;
    }

    private static void loadAll(StateDictLoader l) {
        l.conv("conv.", "conv");
        l.batchNorm("bn.", "bn");
        l.linear("fc.", "fc");
    }

    @Test
    void copiesEveryTensorInDl4jsLayout() {
        ComputationGraph g = graph();
        Map<String, INDArray> sd = stateDict();
        StateDictLoader l = new StateDictLoader(g, sd);
        loadAll(l);
        l.finish("test", true);
        assertEquals(sd.keySet(), l.used());
        assertEquals(sd.get("conv.weight"), g.getLayer("conv").getParam("W"));
        assertEquals(sd.get("conv.bias").reshape(g.getLayer("conv").getParam("b").shape()), g.getLayer("conv").getParam("b"));
        assertEquals(sd.get("bn.running_var"), g.getLayer("bn").getParam(BatchNormParamInitializer.VAR).reshape(4));
        assertEquals(sd.get("bn.weight").castTo(DataType.FLOAT),
                g.getLayer("bn").getParam(BatchNormParamInitializer.GAMMA).reshape(4));
        assertEquals(sd.get("fc.weight").transpose(), g.getLayer("fc").getParam("W")); // DL4J: [in, out]
    }

    @Test
    void everyProblemIsNamedAndStrictnessCountsLeftovers() {
        Map<String, INDArray> sd = stateDict();
        sd.remove("bn.bias");
        sd.put("conv.weight", seq(DataType.FLOAT, 4, 3, 5, 5));
        sd.put("fc.bias", Nd4j.createFromArray(1L, 2L));
        sd.put("head.weight", seq(DataType.FLOAT, 3));
        StateDictLoader l = new StateDictLoader(graph(), sd);
        loadAll(l);
        assertEquals(Set.of("head.weight"), l.unexpected());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.finish("test weights", true));
        String m = e.getMessage();
        assertTrue(m.startsWith("test weights: cannot load weights (4 problems)"), m);
        assertTrue(m.contains("missing key 'bn.bias'"), m);
        assertTrue(m.contains("'conv.weight' has shape [4, 3, 5, 5], expected [4, 3, 3, 3]"), m);
        assertTrue(m.contains("'fc.bias' has dtype long, expected floating point"), m);
        assertTrue(m.contains("unexpected key 'head.weight'"), m);

        Map<String, INDArray> extra = stateDict();
        extra.put("head.weight", seq(DataType.FLOAT, 3));
        StateDictLoader notStrict = new StateDictLoader(graph(), extra);
        loadAll(notStrict);
        notStrict.finish("test", false); // leftovers allowed
    }

    @Test
    void aWrongNetworksStateDictGivesOneBoundedLine() {
        Map<String, INDArray> sd = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            sd.put("other." + i, seq(DataType.FLOAT, 2));
        }
        StateDictLoader l = new StateDictLoader(graph(), sd);
        loadAll(l);
        String m = assertThrows(IllegalArgumentException.class, () -> l.finish("x", true)).getMessage();
        assertTrue(m.contains("... and " + (8 + 30 - StateDictLoader.MAX_LISTED) + " more"), m);
        assertTrue(!m.contains("\n"), "one line");
    }

    @Test
    void namingMapsKeysBeforeLookup() {
        Map<String, INDArray> sd = new HashMap<>();
        stateDict().forEach((k, v) -> sd.put("module." + k, v));
        StateDictLoader l = new StateDictLoader(graph(), sd, k -> "module." + k);
        loadAll(l);
        l.finish("test", true);
        assertEquals(sd.keySet(), l.used());
    }
}
