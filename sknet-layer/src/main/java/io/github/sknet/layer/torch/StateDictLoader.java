package io.github.sknet.layer.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNormParamInitializer;

/**
 * Copies tensors of a PyTorch state_dict into a graph's parameters, checking every key's presence and
 * shape and collecting all problems, so that one error lists them all (like PyTorch's strict loading).
 * Keys are asked for in the reference naming; a {@code naming} function turns them into the names the
 * state_dict uses (e.g. timm's), and every message names the state_dict's own keys. Floating-point
 * tensors of any precision are converted to the graph's type; integer tensors for weights are refused.
 */
public final class StateDictLoader {
    private final ComputationGraph graph;
    private final Map<String, INDArray> stateDict;
    private final UnaryOperator<String> naming;
    private final Set<String> used = new TreeSet<>();
    private final List<String> problems = new ArrayList<>();

    public StateDictLoader(ComputationGraph graph, Map<String, INDArray> stateDict) {
        this(graph, stateDict, UnaryOperator.identity());
    }

    public StateDictLoader(ComputationGraph graph, Map<String, INDArray> stateDict, UnaryOperator<String> naming) {
        this.graph = graph;
        this.stateDict = stateDict;
        this.naming = naming;
    }

    public ComputationGraph graph() {
        return graph;
    }

    /**
     * The tensor (in the graph's data type), or null (and a recorded problem) if it is missing, has
     * another shape or holds integers.
     */
    public INDArray tensor(String key, long[] shape) {
        key = naming.apply(key);
        INDArray t = stateDict.get(key);
        if (t == null) {
            problems.add("missing key '" + key + "'");
            return null;
        }
        used.add(key);
        if (shape != null && !Arrays.equals(t.shape(), shape)) {
            problems.add("'" + key + "' has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(shape));
            return null;
        }
        if (!t.dataType().isFPType()) {
            problems.add("'" + key + "' has dtype " + t.dataType().name().toLowerCase() + ", expected floating point");
            return null;
        }
        DataType target = graph.params().dataType();
        return t.dataType() == target ? t : t.castTo(target);
    }

    /** A parameter of a layer vertex; a missing layer is a programming error, not a weights problem. */
    public INDArray param(String vertex, String key) {
        if (graph.getVertex(vertex) == null || !graph.getVertex(vertex).hasLayer()) {
            throw new IllegalArgumentException("the graph has no layer '" + vertex + "'");
        }
        return graph.getLayer(vertex).getParam(key);
    }

    /** Conv2d {@code key + "weight"} [out, in/groups, kH, kW] (and bias if the layer has one) into a GroupedConv2D. */
    public void conv(String keyPrefix, String vertex) {
        INDArray w = param(vertex, GroupedConv2D.WEIGHT_KEY);
        INDArray t = tensor(keyPrefix + "weight", w.shape());
        if (t != null) {
            w.assign(t);
        }
        INDArray b = param(vertex, GroupedConv2D.BIAS_KEY);
        if (b != null) {
            INDArray tb = tensor(keyPrefix + "bias", new long[] {b.length()});
            if (tb != null) {
                b.assign(tb.reshape(b.shape()));
            }
        }
    }

    /** A 1x1 Conv2d weight [out, in, 1, 1] into a dense layer's W [in, out]. */
    public void conv1x1AsDense(String key, String vertex) {
        INDArray w = param(vertex, "W");
        INDArray t = tensor(key, new long[] {w.size(1), w.size(0), 1, 1});
        if (t != null) {
            w.assign(t.reshape(w.size(1), w.size(0)).transpose());
        }
    }

    /** nn.Linear {@code weight} [out, in] and {@code bias} [out] into a dense layer (W [in, out], b). */
    public void linear(String keyPrefix, String vertex) {
        INDArray w = param(vertex, "W");
        INDArray t = tensor(keyPrefix + "weight", new long[] {w.size(1), w.size(0)});
        if (t != null) {
            w.assign(t.transpose());
        }
        INDArray b = param(vertex, "b");
        if (b != null) {
            INDArray tb = tensor(keyPrefix + "bias", new long[] {b.length()});
            if (tb != null) {
                b.assign(tb.reshape(b.shape()));
            }
        }
    }

    /** BatchNorm weight, bias, running_mean, running_var (num_batches_tracked is accepted and unused). */
    public void batchNorm(String keyPrefix, String vertex) {
        String[][] pairs = {{"weight", BatchNormParamInitializer.GAMMA}, {"bias", BatchNormParamInitializer.BETA},
                {"running_mean", BatchNormParamInitializer.MEAN}, {"running_var", BatchNormParamInitializer.VAR}};
        for (String[] kv : pairs) {
            INDArray p = param(vertex, kv[1]);
            INDArray t = tensor(keyPrefix + kv[0], new long[] {p.length()});
            if (t != null) {
                p.assign(t.reshape(p.shape()));
            }
        }
        String counter = naming.apply(keyPrefix + "num_batches_tracked");
        if (stateDict.containsKey(counter)) {
            used.add(counter);
        }
    }

    public void problem(String message) {
        problems.add(message);
    }

    public Set<String> used() {
        return Collections.unmodifiableSet(used);
    }

    /** Keys of the state_dict that nothing read. */
    public Set<String> unexpected() {
        Set<String> out = new TreeSet<>(stateDict.keySet());
        out.removeAll(used);
        return out;
    }

    /** Problems named in {@link #finish}'s message; the rest are counted. */
    public static final int MAX_LISTED = 10;

    /**
     * Throws if anything was missing or mis-shaped, or (when strict) if keys were left unread; the
     * message names the first {@link #MAX_LISTED} such problems and counts the rest.
     */
    public void finish(String what, boolean strict) {
        List<String> all = new ArrayList<>(problems);
        if (strict) {
            for (String k : unexpected()) {
                all.add("unexpected key '" + k + "'");
            }
        }
        if (!all.isEmpty()) {
            // at most MAX_LISTED named: a state_dict of the wrong network would otherwise be one 40 KB line
            String listed = String.join("; ", all.subList(0, Math.min(all.size(), MAX_LISTED)))
                    + (all.size() > MAX_LISTED ? "; ... and " + (all.size() - MAX_LISTED) + " more" : "");
            throw new IllegalArgumentException(what + ": cannot load weights (" + all.size() + " problem"
                    + (all.size() == 1 ? "" : "s") + "): " + listed);
        }
    }
}
