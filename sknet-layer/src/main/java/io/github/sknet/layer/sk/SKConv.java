package io.github.sknet.layer.sk;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.nd4j.linalg.activations.Activation;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.linear.Linear;
import io.github.sknet.layer.norm.BatchNorm;

/**
 * Adds a complete SKConv (split, fuse, select) to a graph in one call:
 *
 * <pre>
 * String out = SKConv.add(graph, "sk1", SKConvConfig.builder(64).build(), "input");
 * </pre>
 *
 * The vertices it adds, all named under {@code name/}: {@code branch<i>/conv} ({@link GroupedConv2D}),
 * {@code branch<i>/bn} ({@link BatchNorm} + ReLU), {@code fuse/pool} ({@link SKFuseVertex}: the
 * spatial mean of the branches' sum), {@code fuse/fc}, {@code fuse/bn} (+ ReLU), {@code select/fc}
 * (the attention logits) and {@code name} itself ({@link SKSelectVertex}, the output).
 */
public final class SKConv {
    private SKConv() {
    }

    /** Adds the SKConv and returns the name of its output vertex ({@code name}). */
    public static String add(GraphBuilder graph, String name, SKConvConfig cfg, String input) {
        return add(graph, name, cfg, input, new SKFuseVertex(cfg.branches()));
    }

    /**
     * Adds the SKConv with a fuse step of your own: a subclass of {@link SKFuseVertex} whose
     * {@code defineVertex} pools differently. It trains by autodiff; nothing else changes.
     */
    public static String add(GraphBuilder graph, String name, SKConvConfig cfg, String input, SKFuseVertex fuse) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("SKConv: a name is required");
        }
        cfg.validate("SKConv '" + name + "'");
        int m = cfg.branches();
        long c = cfg.channels();
        String[] branchOut = new String[m];
        long slice = cfg.branchInChannels();
        for (int i = 0; i < m; i++) {
            String branchIn = input;
            if (cfg.splitInput()) {
                branchIn = name + "/split" + i;
                graph.addVertex(branchIn, new ChannelSubsetVertex((int) (i * slice), (int) ((i + 1) * slice - 1)), input);
            }
            String conv = branchConv(name, i);
            graph.addLayer(conv, new GroupedConv2D.Builder().nIn(slice).nOut(c).groups(cfg.groups())
                    .kernelSize(cfg.kernelSize(i)).stride(cfg.stride()).padding(cfg.padding(i))
                    .dilation(cfg.dilation(i)).build(), branchIn);
            branchOut[i] = branchBn(name, i);
            graph.addLayer(branchOut[i], batchNorm(cfg, c), conv);
        }
        int d = cfg.attentionWidth();
        graph.addVertex(fusePool(name), fuse, branchOut);
        graph.addLayer(fuseFc(name), new Linear.Builder().nIn(c).nOut(d).hasBias(false)
                .activation(Activation.IDENTITY).build(), fusePool(name));
        graph.addLayer(fuseBn(name), batchNorm(cfg, d), fuseFc(name));
        graph.addLayer(attentionLogits(name), new Linear.Builder().nIn(d).nOut((long) m * c)
                .hasBias(cfg.selectBias()).activation(Activation.IDENTITY).build(), fuseBn(name));
        String[] selectInputs = new String[m + 1];
        selectInputs[0] = attentionLogits(name);
        System.arraycopy(branchOut, 0, selectInputs, 1, m);
        SKSelectVertex select = new SKSelectVertex(m, c);
        select.setAttentionWidth(d);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            if (cfg.splitInput()) {
                members.add(name + "/split" + i);
            }
            members.add(branchConv(name, i));
            members.add(branchBn(name, i));
        }
        members.addAll(List.of(fusePool(name), fuseFc(name), fuseBn(name), attentionLogits(name), name));
        select.setMembers(members);
        graph.addVertex(name, select, selectInputs);
        return name;
    }

    private static BatchNorm batchNorm(SKConvConfig cfg, long channels) {
        return new BatchNorm.Builder().nOut(channels).eps(cfg.bnEps()).momentum(cfg.bnMomentum())
                .activation(Activation.RELU).build();
    }

    public static String branchConv(String name, int branch) {
        return name + "/branch" + branch + "/conv";
    }

    public static String branchBn(String name, int branch) {
        return name + "/branch" + branch + "/bn";
    }

    /** The fuse step's channel descriptor s: the spatial mean of the branches' sum. */
    public static String fusePool(String name) {
        return name + "/fuse/pool";
    }

    public static String fuseFc(String name) {
        return name + "/fuse/fc";
    }

    public static String fuseBn(String name) {
        return name + "/fuse/bn";
    }

    /** The dense layer whose output, reshaped to [N, M, C] and soft-maxed over M, is the attention. */
    public static String attentionLogits(String name) {
        return name + "/select/fc";
    }
}
