package io.github.sknet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;

import io.github.sknet.layer.sk.SKConv;

/**
 * A ResNet basic block with an SKConv(in->out, stride) in place of the first 3x3 conv + BN + ReLU
 * (SK-ResNet-18/34 style, timm's SelectiveKernelBasic): SKConv, 3x3 conv out->out + BN, shortcut, ReLU. The
 * SKConv's flavour is the variant's.
 */
final class SKBasicBlock {
    private SKBasicBlock() {
    }

    static String add(GraphBuilder gb, SKNetVariant v, String p, int in, int out, int stride, String input) {
        String h = SKConv.add(gb, p + ".conv1_sk", v.skConv(in, out, stride), input);
        h = Units.convBn(gb, p + ".conv2", out, out, 3, 1, 1, false, h);
        String shortcut = in == out && stride == 1 ? input
                : Units.convBn(gb, p + ".shortcut", in, out, 1, stride, 0, false, input);
        return Units.addRelu(gb, p, h, shortcut);
    }
}
