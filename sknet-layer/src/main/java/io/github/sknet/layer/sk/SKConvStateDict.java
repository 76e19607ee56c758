package io.github.sknet.layer.sk;

import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.layer.torch.StateDictLoader;

/**
 * Copies one SKConv's weights from a PyTorch state_dict with the reference names (docs/reference.md:
 * {@code convs.m.0.weight}, {@code convs.m.1.*}, {@code fc.0.weight}, {@code fc.1.*},
 * {@code fcs.m.weight/bias}; the Caffe flavour's single projection as {@code fcs.weight}) into the
 * vertices {@link SKConv#add} made. The SKConv's sizes and flavour are read from the graph.
 */
public final class SKConvStateDict {
    private SKConvStateDict() {
    }

    /**
     * Loads the keys under {@code prefix} (e.g. "stage_1.0.conv2_sk.") into SKConv {@code name}.
     *
     * @return the state_dict keys used
     * @throws IllegalArgumentException naming every missing or mis-shaped key
     */
    public static Set<String> load(ComputationGraph graph, String name, Map<String, INDArray> stateDict,
                                   String prefix) {
        StateDictLoader l = new StateDictLoader(graph, stateDict);
        load(l, name, prefix);
        l.finish("SKConv '" + name + "'", false);
        return l.used();
    }

    /** Loads into SKConv {@code name} through a loader that collects problems for a whole model. */
    public static void load(StateDictLoader l, String name, String prefix) {
        ComputationGraph graph = l.graph();
        if (!(graph.getConfiguration().getVertices().get(name) instanceof SKSelectVertex)) {
            throw new IllegalArgumentException("the graph has no SKConv named '" + name + "'");
        }
        SKSelectVertex select = (SKSelectVertex) graph.getConfiguration().getVertices().get(name);
        long c = select.getChannels();
        long d = select.getAttentionWidth() > 0 ? select.getAttentionWidth() // recorded by SKConv.add
                : ((FeedForwardLayer) graph.getLayer(SKConv.fuseFc(name)).conf().getLayer()).getNOut();
        int m = select.getBranches();
        for (int i = 0; i < m; i++) {
            l.conv(prefix + "convs." + i + ".0.", SKConv.branchConv(name, i));
            l.batchNorm(prefix + "convs." + i + ".1.", SKConv.branchBn(name, i));
        }
        l.conv1x1AsDense(prefix + "fc.0.weight", SKConv.fuseFc(name));
        l.batchNorm(prefix + "fc.1.", SKConv.fuseBn(name));
        INDArray w = l.param(SKConv.attentionLogits(name), "W"); // [d, M*C], branch-major columns
        INDArray b = l.param(SKConv.attentionLogits(name), "b");
        if (b != null) {
            for (int i = 0; i < m; i++) {
                INDArray wi = l.tensor(prefix + "fcs." + i + ".weight", new long[] {c, d, 1, 1});
                INDArray bi = l.tensor(prefix + "fcs." + i + ".bias", new long[] {c});
                if (wi != null) {
                    w.get(NDArrayIndex.all(), NDArrayIndex.interval(i * c, (i + 1) * c))
                            .assign(wi.reshape(c, d).transpose());
                }
                if (bi != null) {
                    b.reshape(b.length()).get(NDArrayIndex.interval(i * c, (i + 1) * c)).assign(bi.reshape(c));
                }
            }
        } else {
            INDArray wAll = l.tensor(prefix + "fcs.weight", new long[] {m * c, d, 1, 1});
            if (wAll != null) {
                w.assign(wAll.reshape(m * c, d).transpose());
            }
        }
    }
}
