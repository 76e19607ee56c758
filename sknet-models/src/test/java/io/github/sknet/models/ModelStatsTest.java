package io.github.sknet.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Parameter and multiply-add counts against docs/reference.md and the reference PyTorch models. */
class ModelStatsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sknet26, 16754088, 2.587", "sknet50, 27494888, 4.463", "sknet101, 48768552, 8.449"})
    void imagenetVariantsMatchSpec(String id, long params, double gmacs) {
        SKNetVariant v = SKNetVariant.byId(id);
        ModelStats s = ModelStats.of(SKNet.builder(v).conf(), InputType.convolutional(224, 224, 3));
        assertEquals(params, s.trainableParams, id + " trainable parameters");
        assertEquals(gmacs, Math.round(s.multiplyAdds / 1e6) / 1e3, 1e-9, id + " multiply-adds (G)");
        assertTrue(s.table().endsWith(String.format("multiply-adds: %.3f G%n", gmacs)), s.table());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SKNetVariant.class)
    void configurationCountsEqualTheInitialisedGraphs(SKNetVariant v) {
        int size = v.stem() == SKNetVariant.Stem.IMAGENET ? 64 : 32;
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = SKNet.builder(v).inputShape(3, size, size).conf();
        ModelStats s = ModelStats.of(conf, InputType.convolutional(size, size, 3));
        org.deeplearning4j.nn.graph.ComputationGraph g = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        g.init();
        long runningStats = 0;
        for (String k : g.paramTable().keySet()) {
            if (k.endsWith("_mean") || k.endsWith("_var")) {
                runningStats += g.paramTable().get(k).length();
            }
        }
        assertEquals(g.numParams(), s.totalParams, v.id() + " all parameters");
        assertEquals(g.numParams() - runningStats, s.trainableParams, v.id() + " trainable parameters");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SKNetVariant.class, names = {"SKNET26", "SKNET50", "SKNET101", "SKNET_CIFAR"})
    void everyReferenceVariantMatchesPyTorchCounts(SKNetVariant v) throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/sknet_counts.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\"" + v.id() + "\":\\s*\\{\\s*\"params\":\\s*(\\d+),\\s*\"macs\":\\s*(\\d+)")
                .matcher(json);
        assertTrue(m.find(), "no counts for " + v.id());
        ModelStats s = ModelStats.of(SKNet.builder(v).conf(),
                InputType.convolutional(v.defaultSize(), v.defaultSize(), 3));
        assertEquals(Long.parseLong(m.group(1)), s.trainableParams, v.id() + " parameters");
        assertEquals(Long.parseLong(m.group(2)), s.multiplyAdds, v.id() + " multiply-adds");
    }
}
