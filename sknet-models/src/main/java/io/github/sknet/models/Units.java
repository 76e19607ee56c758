package io.github.sknet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.nd4j.linalg.activations.Activation;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.graph.SumVertex;
import io.github.sknet.layer.norm.BatchNorm;

/** The conv + BN and residual add + ReLU pieces the blocks are made of, named like PyTorch's Sequential children. */
final class Units {
    private Units() {
    }

    /** {@code name.0} bias-free conv, {@code name.1} BatchNorm (+ ReLU); returns the BN's name. */
    static String convBn(GraphBuilder gb, String name, int in, int out, int kernel, int stride, int padding,
                         boolean relu, String input) {
        // nobody reads dL/d(image): a conv on the network input skips its backward-data pass
        gb.addLayer(name + ".0", new GroupedConv2D.Builder().nIn(in).nOut(out).kernelSize(kernel).stride(stride)
                .padding(padding).inputGradient(!SKNet.INPUT.equals(input)).build(), input);
        gb.addLayer(name + ".1", new BatchNorm.Builder().nOut(out)
                .activation(relu ? Activation.RELU : Activation.IDENTITY).build(), name + ".0");
        return name + ".1";
    }

    /** {@code unit.relu}: relu(residual + shortcut) in one vertex; returns its name. */
    static String addRelu(GraphBuilder gb, String unit, String residual, String shortcut) {
        gb.addVertex(unit + ".relu", new SumVertex(true), residual, shortcut);
        return unit + ".relu";
    }
}
