package io.github.sknet.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;

/**
 * Per-layer output shape, parameters and multiply-adds of a graph configuration, computed from the
 * configuration alone (no parameters allocated). Trainable parameters are counted as PyTorch counts
 * them (BatchNorm running statistics excluded); multiply-adds count convolutions and dense layers
 * (the reference's 1x1 attention convolutions and classifier), per example.
 */
public final class ModelStats {
    /** One vertex. */
    public static final class Row {
        public final String name;
        public final String type;
        public final String output;
        public final long params;
        public final long trainable;
        public final long multiplyAdds;

        Row(String name, String type, String output, long params, long trainable, long multiplyAdds) {
            this.name = name;
            this.type = type;
            this.output = output;
            this.params = params;
            this.trainable = trainable;
            this.multiplyAdds = multiplyAdds;
        }
    }

    public final List<Row> rows;
    public final long trainableParams;
    public final long totalParams;
    public final long multiplyAdds;

    private ModelStats(List<Row> rows) {
        this.rows = rows;
        this.trainableParams = rows.stream().mapToLong(r -> r.trainable).sum();
        this.totalParams = rows.stream().mapToLong(r -> r.params).sum();
        this.multiplyAdds = rows.stream().mapToLong(r -> r.multiplyAdds).sum();
    }

    public static ModelStats of(ComputationGraphConfiguration conf, InputType input) {
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        List<Row> rows = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) { // insertion order: the builder adds in data-flow order
            GraphVertex v = conf.getVertices().get(name);
            if (v == null) {
                continue; // a network input
            }
            InputType out = types.get(name);
            String type = v.getClass().getSimpleName();
            long params = 0, trainable = 0, macs = 0;
            if (v instanceof LayerVertex) {
                Layer l = ((LayerVertex) v).getLayerConf().getLayer();
                type = l.getClass().getSimpleName();
                params = l.initializer().numParams(l);
                trainable = l instanceof BatchNorm ? params / 2 : params;
                if (l instanceof GroupedConv2D) {
                    GroupedConv2D c = (GroupedConv2D) l;
                    InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) out;
                    macs = o.getHeight() * o.getWidth() * c.getNOut() * (c.getNIn() / c.getGroups())
                            * c.getKernelSize()[0] * c.getKernelSize()[1];
                } else if (l instanceof DenseLayer) {
                    macs = ((DenseLayer) l).getNIn() * ((DenseLayer) l).getNOut();
                }
            }
            rows.add(new Row(name, type, shape(out), params, trainable, macs));
        }
        return new ModelStats(rows);
    }

    private static String shape(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
            return "[" + c.getChannels() + ", " + c.getHeight() + ", " + c.getWidth() + "]";
        }
        return t == null ? "" : "[" + t.arrayElementsPerExample() + "]";
    }

    /** The table `sknet summary` prints, ending in the trainable-parameter and multiply-add lines. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-40s %-18s %-18s %12s %14s%n", "layer", "type", "output", "parameters",
                "multiply-adds"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-40s %-18s %-18s %,12d %,14d%n", r.name, r.type, r.output,
                    r.params, r.multiplyAdds));
        }
        sb.append(String.format(Locale.ROOT, "all parameters (with BatchNorm running statistics): %d%n", totalParams));
        sb.append(String.format(Locale.ROOT, "trainable parameters: %d%n", trainableParams));
        sb.append(String.format(Locale.ROOT, "multiply-adds: %.3f G%n", multiplyAdds / 1e9));
        return sb.toString();
    }
}
