package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.sk.SKConvStateDict;
import io.github.sknet.layer.sk.SKSelectVertex;
import io.github.sknet.layer.torch.StateDictLoader;
import io.github.sknet.models.SKNet;

/**
 * Loads a PyTorch state_dict into a graph built by {@link io.github.sknet.models.SKNet.Builder}: the reference SKNet's names
 * (docs/reference.md) or timm's ({@link TimmKeys}); every tensor mapped by name, shapes checked, BatchNorm running
 * statistics carried over, and missing / unexpected / mis-shaped keys all reported by name (PyTorch's
 * strict=True). Files are read by {@link StateDictFile} (.npz, .safetensors, .pth).
 */
public final class PyTorchWeights {
    /** Whose key names the state_dict uses. */
    public enum Naming {
        /** The reference PyTorch SKNet of docs/reference.md ({@code basic_conv.0.weight}, {@code stage_1.0.conv2_sk...}). */
        REFERENCE,
        /** timm's sknet.py ({@code conv1.weight}, {@code layer1.0.conv2.paths.0.conv.weight}, {@code fc.weight}). */
        TIMM;

        public static Naming byId(String id) {
            try {
                return valueOf(id.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown state_dict naming '" + id + "'; known: reference, timm");
            }
        }

        UnaryOperator<String> keys() {
            return this == TIMM ? TimmKeys::timmName : UnaryOperator.identity();
        }
    }

    private PyTorchWeights() {
    }

    /** Reads a state_dict file of any supported format (detected from its bytes). */
    public static Map<String, INDArray> read(Path file) {
        try {
            return StateDictFile.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a state_dict saved with numpy.savez (any supported format is accepted). */
    public static Map<String, INDArray> readNpz(Path file) {
        return read(file);
    }

    /** The state_dict without the {@code module.} prefix DataParallel adds (when every key has it). */
    public static Map<String, INDArray> stripModulePrefix(Map<String, INDArray> stateDict) {
        if (stateDict.isEmpty() || !stateDict.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            return stateDict;
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        stateDict.forEach((k, v) -> out.put(k.substring("module.".length()), v));
        return out;
    }

    /** The naming a state_dict's keys follow; throws if neither. */
    public static Naming detectNaming(Map<String, INDArray> stateDict) {
        Map<String, INDArray> sd = stripModulePrefix(stateDict);
        if (sd.containsKey("conv1.weight") && sd.containsKey("bn1.weight")) {
            return Naming.TIMM;
        }
        if (sd.containsKey("basic_conv.0.weight")) {
            return Naming.REFERENCE;
        }
        throw new IllegalArgumentException("the state_dict's keys are neither the reference SKNet's "
                + "(basic_conv.0.weight, ...) nor timm's (conv1.weight, bn1.*, ...)");
    }

    /** Copies a reference-named state_dict into the graph: {@link #load(ComputationGraph, Map, Naming)}. */
    public static Set<String> load(ComputationGraph graph, Map<String, INDArray> stateDict) {
        return load(graph, stateDict, Naming.REFERENCE);
    }

    /**
     * Copies the state_dict (a {@code module.} prefix stripped) into the graph.
     *
     * @return the keys used (all of them: anything else is an error)
     * @throws IllegalArgumentException listing every missing, unexpected, mis-shaped or integer key
     */
    public static Set<String> load(ComputationGraph graph, Map<String, INDArray> stateDict, Naming naming) {
        StateDictLoader l = new StateDictLoader(graph, stripModulePrefix(stateDict), naming.keys());
        Set<String> insideSkConvs = new HashSet<>();
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof SKSelectVertex select) {
                insideSkConvs.addAll(select.members(e.getKey()));
                SKConvStateDict.load(l, e.getKey(), e.getKey() + ".");
            }
        }
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof LayerVertex) || insideSkConvs.contains(name)) {
                continue;
            }
            Layer layer = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
            if (layer instanceof GroupedConv2D) {
                l.conv(name + ".", name);
            } else if (layer instanceof BatchNorm) {
                l.batchNorm(name + ".", name);
            } else if (layer instanceof DenseLayer && name.equals(SKNet.LOGITS)) {
                l.linear(name + ".", name);
            } else if (graph.getLayer(name).numParams() > 0) {
                l.problem("layer '" + name + "' (" + layer.getClass().getSimpleName() + ") has no PyTorch mapping");
            }
        }
        l.finish(naming == Naming.TIMM ? "timm state_dict" : "PyTorch state_dict", true);
        return l.used();
    }
}
