package io.github.sknet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;

import io.github.sknet.layer.sk.SKConv;

/**
 * docs/reference.md's SK unit: 1x1 conv in->mid + BN + ReLU, SKConv(mid, stride), 1x1 conv mid->out + BN, plus the
 * shortcut (identity when in == out, else 1x1 conv with stride + BN), then ReLU. Vertex names follow the
 * reference state_dict: {@code <p>.conv1.0}, {@code <p>.conv2_sk}, {@code <p>.conv3.1}, {@code <p>.shortcut.0}, ...
 */
final class SKBottleneck {
    private SKBottleneck() {
    }

    static String add(GraphBuilder gb, SKNetVariant v, String p, int in, int mid, int out, int stride, String input) {
        if (in == out && stride != 1) {
            throw new IllegalArgumentException("SK unit '" + p + "': an identity shortcut needs stride 1, got " + stride);
        }
        String h = Units.convBn(gb, p + ".conv1", in, mid, 1, 1, 0, true, input);
        h = SKConv.add(gb, p + ".conv2_sk", v.skConv(mid, mid, stride), h);
        h = Units.convBn(gb, p + ".conv3", mid, out, 1, 1, 0, false, h);
        String shortcut = in == out ? input : Units.convBn(gb, p + ".shortcut", in, out, 1, stride, 0, false, input);
        return Units.addRelu(gb, p, h, shortcut);
    }
}
