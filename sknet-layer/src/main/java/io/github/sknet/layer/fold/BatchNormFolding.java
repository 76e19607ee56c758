package io.github.sknet.layer.fold;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.linear.Linear;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.norm.BatchNormParamInitializer;

/**
 * Folds inference-mode {@link BatchNorm}s into the layer in front of them, for deployment. In
 * inference a BatchNorm is a fixed per-channel affine map, {@code y = s * (z - mean) + beta} with
 * {@code s = gamma / sqrt(var + eps)}; when {@code z} is the output of a convolution or dense layer
 * {@code z = W x + b}, then {@code y = (s W) x + (beta + s (b - mean))}: the same layer with scaled
 * weights and a bias, one pass over the data instead of three (conv, BN, activation) and no BN memory.
 *
 * <p>A {@link BatchNorm} vertex is folded when its single input is a {@link GroupedConv2D} or a DL4J
 * {@link DenseLayer} (without layer norm) that has the identity activation and feeds nothing else (no
 * other vertex, not a network output), and the BatchNorm has no input preprocessor (layers wrapped by
 * TransferLearning's {@code FrozenLayer} are not recognised and stay as they are). The fused layer
 * takes the BatchNorm's <b>name</b>, its activation (ReLU, identity, ...) and its place; the producer's
 * vertex disappears. So every vertex name left in the folded graph has the same activations as in
 * the original (in inference), and consumers, outputs and {@link io.github.sknet.layer.sk.SKAttention}
 * lookups need no renaming. Everything else (other vertices, preprocessors, network inputs and
 * outputs, data type, training counters) is copied, parameters by value.
 *
 * <p>The folded graph is for inference only: it has no BatchNorm left to train, so fitting it would
 * train a different (un-normalised) network. The input graph is not modified.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** How many {@link BatchNorm} layers the configuration has (after folding: those that could not be folded). */
    public static int batchNorms(ComputationGraphConfiguration conf) {
        int n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof BatchNorm) {
                n++;
            }
        }
        return n;
    }

    /**
     * The BatchNorm vertices {@link #fold} folds, each mapped to the name of the convolution or dense
     * vertex it folds into, in graph order. Empty if there is nothing to fold (e.g. an already folded graph).
     */
    public static Map<String, String> foldablePairs(ComputationGraphConfiguration conf) {
        if (conf == null) {
            throw new IllegalArgumentException("BatchNormFolding: the configuration is null");
        }
        Map<String, Integer> consumers = new HashMap<>();
        for (List<String> ins : conf.getVertexInputs().values()) {
            for (String in : ins) {
                consumers.merge(in, 1, Integer::sum);
            }
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(layerOf(e.getValue()) instanceof BatchNorm) || ((LayerVertex) e.getValue()).getPreProcessor() != null) {
                continue;
            }
            List<String> ins = conf.getVertexInputs().get(e.getKey());
            if (ins == null || ins.size() != 1) {
                continue;
            }
            String producer = ins.get(0);
            if (foldableProducer(layerOf(conf.getVertices().get(producer)))
                    && consumers.getOrDefault(producer, 0) == 1 && !conf.getNetworkOutputs().contains(producer)) {
                pairs.put(e.getKey(), producer);
            }
        }
        return Collections.unmodifiableMap(pairs);
    }

    /**
     * A new, initialised, inference-only graph with every pair of {@link #foldablePairs} folded (a plain
     * copy if there are none). {@code net} is left as it was.
     *
     * @throws IllegalArgumentException if {@code net} is null, or a pair's channel counts disagree or a
     *                                  BatchNorm's variance + eps is not positive (naming the layers)
     * @throws IllegalStateException    if {@code net} has not been initialised
     */
    public static ComputationGraph fold(ComputationGraph net) {
        if (net == null) {
            throw new IllegalArgumentException("BatchNormFolding: the graph is null");
        }
        if (net.getVertices() == null) {
            throw new IllegalStateException("BatchNormFolding: the graph is not initialised (call init() first); "
                    + "its parameters are what gets folded");
        }
        ComputationGraphConfiguration src = net.getConfiguration();
        Map<String, String> pairs = foldablePairs(src);
        for (Map.Entry<String, String> p : pairs.entrySet()) {
            checkPair(net, p.getKey(), p.getValue());
        }
        ComputationGraphConfiguration conf = foldedConfiguration(src, pairs);

        ComputationGraph out = new ComputationGraph(conf);
        long numParams = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            numParams += v.numParams(true);
        }
        INDArray flat = null;
        if (numParams > 0) {
            // zeros rather than init(): random initialisation would cost time and reseed the global RNG
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                flat = Nd4j.create(conf.getDataType(), 1, numParams);
            }
        }
        out.init(flat, false);
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : out.getVertices()) {
            String name = v.getVertexName();
            if (pairs.containsKey(name)) {
                foldParams(net, name, pairs.get(name), v.paramTable(false));
            } else if (v.numParams() > 0) {
                copyParams(net.getVertex(name).paramTable(false), v.paramTable(false), name);
            }
        }
        if (!out.getConfiguration().getNetworkOutputs().equals(src.getNetworkOutputs())) {
            throw new IllegalStateException("BatchNormFolding: the folded graph's outputs "
                    + out.getConfiguration().getNetworkOutputs() + " differ from the original's " + src.getNetworkOutputs());
        }
        return out;
    }

    /** A clone of {@code src} in which each pair's producer, with a bias and the BN's activation, replaces the BN. */
    private static ComputationGraphConfiguration foldedConfiguration(ComputationGraphConfiguration src,
                                                                     Map<String, String> pairs) {
        ComputationGraphConfiguration conf = src.clone();
        // clone() drops these: keep them, the graph is otherwise a copy
        for (Map.Entry<String, GraphVertex> e : src.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                ((LayerVertex) conf.getVertices().get(e.getKey()))
                        .setOutputVertex(((LayerVertex) e.getValue()).isOutputVertex());
            }
        }
        conf.setIterationCount(src.getIterationCount());
        conf.setEpochCount(src.getEpochCount());

        java.util.Set<String> producers = new java.util.HashSet<>(pairs.values());
        Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String name = e.getKey();
            if (producers.contains(name)) {
                continue;
            }
            String producer = pairs.get(name);
            if (producer == null) {
                vertices.put(name, e.getValue());
                inputs.put(name, conf.getVertexInputs().get(name));
                continue;
            }
            LayerVertex fused = (LayerVertex) conf.getVertices().get(producer);
            BatchNorm bn = (BatchNorm) layerOf(e.getValue());
            Layer layer = fused.getLayerConf().getLayer();
            layer.setLayerName(name);
            if (layer instanceof GroupedConv2D conv) {
                conv.setActivationFn(bn.getActivationFn());
                conv.setHasBias(true);
            } else {
                ((DenseLayer) layer).setActivationFn(bn.getActivationFn());
                ((DenseLayer) layer).setHasBias(true);
            }
            fused.getLayerConf().clearVariables(); // re-registered, now with the bias, when the graph initialises
            vertices.put(name, fused);
            inputs.put(name, new ArrayList<>(conf.getVertexInputs().get(producer)));
        }
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        conf.validate(true, true);
        return conf;
    }

    private static void checkPair(ComputationGraph net, String bnName, String producer) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        Layer p = layerOf(conf.getVertices().get(producer));
        long outputs = p instanceof GroupedConv2D conv ? conv.getNOut() : ((FeedForwardLayer) p).getNOut();
        BatchNorm bn = (BatchNorm) layerOf(conf.getVertices().get(bnName));
        if (outputs != bn.getNOut()) {
            throw new IllegalArgumentException("BatchNormFolding: BatchNorm layer '" + bnName + "' has " + bn.getNOut()
                    + " channels but its input, " + p.getClass().getSimpleName() + " layer '" + producer + "', has "
                    + outputs + " outputs");
        }
        double minVar = net.getLayer(bnName).getParam(BatchNormParamInitializer.VAR).minNumber().doubleValue();
        if (!(minVar + bn.getEps() > 0)) {
            throw new IllegalArgumentException("BatchNormFolding: BatchNorm layer '" + bnName + "' has running "
                    + "variance + eps <= 0 (or NaN): min variance " + minVar + ", eps " + bn.getEps());
        }
    }

    /**
     * W' = W * s per output channel and b' = beta + (b - mean) * s, s = gamma / sqrt(var + eps), computed
     * per channel in float64, the weights scaled in their own data type.
     */
    private static void foldParams(ComputationGraph net, String bnName, String producer, Map<String, INDArray> dst) {
        org.deeplearning4j.nn.api.Layer bn = net.getLayer(bnName);
        org.deeplearning4j.nn.api.Layer p = net.getLayer(producer);
        double eps = ((BatchNorm) bn.conf().getLayer()).getEps();
        INDArray gamma = vector(bn.getParam(BatchNormParamInitializer.GAMMA));
        INDArray beta = vector(bn.getParam(BatchNormParamInitializer.BETA));
        INDArray mean = vector(bn.getParam(BatchNormParamInitializer.MEAN));
        INDArray var = vector(bn.getParam(BatchNormParamInitializer.VAR));
        long c = gamma.length();
        INDArray scale = gamma.div(Transforms.sqrt(var.add(eps), false));
        INDArray b = p.paramTable().containsKey(DefaultParamInitializer.BIAS_KEY)
                ? vector(p.getParam(DefaultParamInitializer.BIAS_KEY)) : Nd4j.zeros(DataType.DOUBLE, c);
        INDArray bias = b.sub(mean).muli(scale).addi(beta);

        // the weights are scaled in their own type (one product, one rounding): as float64 copies, SKNet-50's
        // 25M weights cost more than the rest of loading a model for predict
        INDArray w = p.getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray s = scale.castTo(w.dataType());
        INDArray folded;
        if (p.conf().getLayer() instanceof GroupedConv2D) { // [out, in / groups, kH, kW]: scale the rows
            folded = w.reshape('c', c, w.length() / c).mulColumnVector(s.reshape(c, 1)).reshape('c', w.shape());
        } else { // DL4J dense [nIn, nOut]: scale the columns
            folded = w.mulRowVector(s.reshape(1, c));
        }
        INDArray dw = dst.get(GroupedConv2D.WEIGHT_KEY);
        INDArray db = dst.get(GroupedConv2D.BIAS_KEY);
        dw.assign(folded.castTo(dw.dataType()));
        db.assign(bias.reshape(db.shape()).castTo(db.dataType()));
    }

    private static void copyParams(Map<String, INDArray> from, Map<String, INDArray> to, String vertex) {
        if (!from.keySet().equals(to.keySet())) {
            throw new IllegalStateException("BatchNormFolding: vertex '" + vertex + "' has parameters " + from.keySet()
                    + " in the original graph but " + to.keySet() + " in the folded one");
        }
        for (Map.Entry<String, INDArray> e : to.entrySet()) {
            e.getValue().assign(from.get(e.getKey()));
        }
    }

    /** A float64 copy, flattened to [length]. */
    private static INDArray vector(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').reshape(a.length());
    }

    private static boolean foldableProducer(Layer l) {
        if (l != null && l.getClass() == GroupedConv2D.class) {
            return ((GroupedConv2D) l).getActivationFn() instanceof ActivationIdentity;
        }
        boolean dense = l != null && (l.getClass() == DenseLayer.class || l.getClass() == Linear.class)
                && !((DenseLayer) l).hasLayerNorm();
        return dense && ((BaseLayer) l).getActivationFn() instanceof ActivationIdentity;
    }

    private static Layer layerOf(GraphVertex v) {
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }
}
