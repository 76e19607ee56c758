package io.github.sknet.models.torch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.sk.SKConvStateDict;
import io.github.sknet.layer.sk.SKSelectVertex;
import io.github.sknet.layer.torch.StateDictLoader;
import io.github.sknet.models.SKNetBuilder;

/**
 * Loads a reference PyTorch SKNet state_dict (SPEC.md names, saved as .npz) into a graph built by
 * {@link SKNetBuilder}: every tensor mapped by name, shapes checked, BatchNorm running statistics
 * carried over, and missing / unexpected / mis-shaped keys all reported by name (PyTorch's strict=True).
 */
public final class PyTorchWeights {
    private PyTorchWeights() {
    }

    /** Reads a state_dict saved with numpy.savez. */
    public static Map<String, INDArray> readNpz(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("weights file not found: " + file);
        }
        try {
            return Nd4j.createFromNpzFile(file.toFile());
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot read " + file + " as a numpy .npz state_dict: " + e.getMessage(), e);
        }
    }

    /**
     * Copies the state_dict into the graph.
     *
     * @return the keys used (all of them: anything else is an error)
     * @throws IllegalArgumentException listing every missing, unexpected or mis-shaped key
     */
    public static Set<String> load(ComputationGraph graph, Map<String, INDArray> stateDict) {
        StateDictLoader l = new StateDictLoader(graph, stateDict);
        List<String> skConvs = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof SKSelectVertex) {
                skConvs.add(e.getKey());
                SKConvStateDict.load(l, e.getKey(), e.getKey() + ".");
            }
        }
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof LayerVertex) || insideAny(name, skConvs)) {
                continue;
            }
            Layer layer = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
            if (layer instanceof GroupedConv2D) {
                l.conv(name + ".", name);
            } else if (layer instanceof BatchNorm) {
                l.batchNorm(name + ".", name);
            } else if (layer instanceof DenseLayer && name.equals(SKNetBuilder.LOGITS)) {
                l.linear(name + ".", name);
            } else if (graph.getLayer(name).numParams() > 0) {
                l.problem("layer '" + name + "' (" + layer.getClass().getSimpleName() + ") has no PyTorch mapping");
            }
        }
        l.finish("PyTorch state_dict", true);
        return l.used();
    }

    private static boolean insideAny(String vertex, List<String> skConvs) {
        for (String sk : skConvs) {
            if (vertex.startsWith(sk + "/")) {
                return true;
            }
        }
        return false;
    }

}
