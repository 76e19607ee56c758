package io.github.sknet.layer.sk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.layer.conv.GroupedConv2DParamInitializer;
import io.github.sknet.layer.norm.BatchNormParamInitializer;

/**
 * Copies one SKConv's weights from a PyTorch state_dict with the reference names (SPEC.md:
 * {@code convs.m.0.weight}, {@code convs.m.1.*}, {@code fc.0.weight}, {@code fc.1.*},
 * {@code fcs.m.weight/bias}; the Caffe flavour's single projection as {@code fcs.weight}) into the
 * graph vertices {@link SKConv#add} made. Every key it reads is checked for presence and shape.
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
    public static Set<String> load(ComputationGraph graph, String name, SKConvConfig cfg,
                                   Map<String, INDArray> stateDict, String prefix) {
        Loader l = new Loader(graph, stateDict, prefix, name);
        long c = cfg.channels();
        int d = cfg.attentionWidth();
        int m = cfg.branches();
        for (int i = 0; i < m; i++) {
            l.copy("convs." + i + ".0.weight", SKConv.branchConv(name, i), GroupedConv2DParamInitializer.WEIGHT_KEY,
                    null);
            l.batchNorm("convs." + i + ".1.", SKConv.branchBn(name, i));
        }
        l.copy("fc.0.weight", SKConv.fuseFc(name), "W", new long[] {d, c});
        l.batchNorm("fc.1.", SKConv.fuseBn(name));
        INDArray w = l.param(SKConv.attentionLogits(name), "W"); // [d, M*C]
        if (cfg.selectBias()) {
            INDArray b = l.param(SKConv.attentionLogits(name), "b");
            for (int i = 0; i < m; i++) {
                INDArray wi = l.tensor("fcs." + i + ".weight", new long[] {c, d, 1, 1});
                INDArray bi = l.tensor("fcs." + i + ".bias", new long[] {c});
                if (wi != null) {
                    w.get(NDArrayIndex.all(), NDArrayIndex.interval(i * c, (i + 1) * c)).assign(wi.reshape(c, d).transpose());
                }
                if (bi != null) {
                    b.reshape(b.length()).get(NDArrayIndex.interval(i * c, (i + 1) * c)).assign(bi.reshape(c));
                }
            }
        } else {
            INDArray wAll = l.tensor("fcs.weight", new long[] {m * c, d, 1, 1});
            if (wAll != null) {
                w.assign(wAll.reshape(m * c, d).transpose());
            }
        }
        l.throwIfProblems();
        return l.used;
    }

    /** Reads keys, collects every problem, writes parameters in place. */
    static final class Loader {
        private final ComputationGraph graph;
        private final Map<String, INDArray> stateDict;
        private final String prefix;
        private final String owner;
        final Set<String> used = new TreeSet<>();
        private final List<String> problems = new ArrayList<>();

        Loader(ComputationGraph graph, Map<String, INDArray> stateDict, String prefix, String owner) {
            this.graph = graph;
            this.stateDict = stateDict;
            this.prefix = prefix;
            this.owner = owner;
        }

        /** The tensor, or null (and a recorded problem) if missing or of another shape. */
        INDArray tensor(String key, long[] shape) {
            String full = prefix + key;
            INDArray t = stateDict.get(full);
            if (t == null) {
                problems.add("missing key '" + full + "'");
                return null;
            }
            used.add(full);
            if (shape != null && !Arrays.equals(t.shape(), shape)) {
                problems.add("'" + full + "' has shape " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(shape));
                return null;
            }
            return t;
        }

        INDArray param(String vertex, String key) {
            if (graph.getVertex(vertex) == null || !graph.getVertex(vertex).hasLayer()) {
                throw new IllegalArgumentException(owner + ": the graph has no layer '" + vertex + "'");
            }
            return graph.getLayer(vertex).getParam(key);
        }

        /** Copies a tensor into a parameter; expected shape is the parameter's own unless given (then reshaped). */
        void copy(String key, String vertex, String paramKey, long[] sourceShapeAs2d) {
            INDArray p = param(vertex, paramKey);
            if (sourceShapeAs2d == null) {
                INDArray t = tensor(key, p.shape());
                if (t != null) {
                    p.assign(t);
                }
            } else {
                // a 1x1 conv [out, in, 1, 1] into a dense W [in, out]
                INDArray t = tensor(key, new long[] {sourceShapeAs2d[0], sourceShapeAs2d[1], 1, 1});
                if (t != null) {
                    p.assign(t.reshape(sourceShapeAs2d[0], sourceShapeAs2d[1]).transpose());
                }
            }
        }

        void batchNorm(String keyPrefix, String vertex) {
            String[][] pairs = {{"weight", BatchNormParamInitializer.GAMMA}, {"bias", BatchNormParamInitializer.BETA},
                    {"running_mean", BatchNormParamInitializer.MEAN}, {"running_var", BatchNormParamInitializer.VAR}};
            for (String[] kv : pairs) {
                INDArray p = param(vertex, kv[1]);
                INDArray t = tensor(keyPrefix + kv[0], new long[] {p.length()});
                if (t != null) {
                    p.assign(t.reshape(p.shape()));
                }
            }
            String counter = prefix + keyPrefix + "num_batches_tracked";
            if (stateDict.containsKey(counter)) {
                used.add(counter);
            }
        }

        void throwIfProblems() {
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(owner + ": cannot load weights: " + String.join("; ", problems));
            }
        }
    }
}
