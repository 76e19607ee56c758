package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import io.github.sknet.layer.conv.GroupedConv2D;

/** Bad hyper-parameters and bad input fail with a message that names the layer and the argument. */
class SKConvValidationTest {

    private static void rejects(Supplier<?> build, String... mustMention) {
        Exception e = assertThrows(Exception.class, build::get);
        String msg = String.valueOf(e.getMessage());
        for (String m : mustMention) {
            assertTrue(msg.contains(m), "message '" + msg + "' should mention '" + m + "'");
        }
    }

    @Test
    void badHyperParametersAreNamed() {
        rejects(() -> SKConvConfig.builder(64).groups(24).build(), "SKConvConfig", "divisible by groups");
        rejects(() -> SKConvConfig.builder(64).branches(0).build(), "branches (M)");
        rejects(() -> SKConvConfig.builder(64).reduction(0).build(), "reduction (r)");
        rejects(() -> SKConvConfig.builder(64).minWidth(0).build(), "minWidth (L)");
        rejects(() -> SKConvConfig.builder(64).kernels(3, 5, 7).build(), "kernels", "2 branches");
        rejects(() -> SKConvConfig.builder(64).kernels(3, 4).build(), "odd");
        rejects(() -> SKConvConfig.builder(64).stride(0).build(), "stride");
        rejects(() -> SKConvConfig.builder(64).inChannels(63).splitInput(true).build(), "splitInput");
        rejects(() -> new GroupedConv2D.Builder().name("gc").nIn(10).nOut(12).groups(4).build(), "gc", "nIn", "groups");
        rejects(() -> new GroupedConv2D.Builder().nOut(8).dilation(0).build(), "dilation");
        rejects(() -> new GroupedConv2D.Builder().nOut(8).kernelSize(1, 2, 3).build(), "kernelSize");
    }

    @Test
    void inputChannelsThatGroupsDoNotDivideAreNamedAtBuild() {
        SKConvConfig cfg = SKConvConfig.builder(32).groups(8).minWidth(4).build();
        rejects(() -> {
            ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 30));
            gb.setOutputs(SKConv.add(gb, "skA", cfg, "in"));
            return gb.build();
        }, "skA/branch0/conv", "30", "groups");
    }

    @Test
    void wrongInputRankOrChannelsIsNamedAtRunTime() {
        SKConvConfig cfg = SKConvConfig.builder(16).groups(4).minWidth(4).build();
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().updater(new Sgd(0.1))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 16));
        gb.setOutputs(SKConv.add(gb, "skB", cfg, "in"));
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        rejects(() -> g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 16, 8)), "skB/branch", "rank");
        rejects(() -> g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 12, 8, 8)), "skB/branch", "16 input channels");
    }

    @Test
    void trainingOnOneValuePerChannelIsRefusedLikePyTorch() {
        SKConvConfig cfg = SKConvConfig.builder(16).groups(4).minWidth(4).build();
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().updater(new Sgd(0.1))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(4, 4, 16));
        gb.setOutputs(SKConv.add(gb, "skC", cfg, "in"));
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        rejects(() -> g.feedForward(Nd4j.rand(DataType.FLOAT, 1, 16, 4, 4), true), "skC/fuse/bn",
                "more than one value per channel");
    }
}
