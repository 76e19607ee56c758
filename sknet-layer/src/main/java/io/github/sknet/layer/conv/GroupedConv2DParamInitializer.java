package io.github.sknet.layer.conv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Parameters of {@link GroupedConv2D}: "W" {@code [nOut, nIn / groups, kH, kW]} and optional bias "b" {@code [nOut]}. */
public final class GroupedConv2DParamInitializer implements ParamInitializer {
    public static final GroupedConv2DParamInitializer INSTANCE = new GroupedConv2DParamInitializer();
    public static final String WEIGHT_KEY = DefaultParamInitializer.WEIGHT_KEY;
    public static final String BIAS_KEY = DefaultParamInitializer.BIAS_KEY;

    private GroupedConv2DParamInitializer() {
    }

    static long[] weightShape(GroupedConv2D c) {
        return new long[] {c.getNOut(), c.getNIn() / c.getGroups(), c.getKernelSize()[0], c.getKernelSize()[1]};
    }

    private static long numWeights(GroupedConv2D c) {
        long[] s = weightShape(c);
        return s[0] * s[1] * s[2] * s[3];
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        GroupedConv2D c = (GroupedConv2D) layer;
        return numWeights(c) + (c.hasBias() ? c.getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(weightKeys(layer));
        keys.addAll(biasKeys(layer));
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.singletonList(WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((GroupedConv2D) layer).hasBias() ? Collections.singletonList(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        GroupedConv2D c = (GroupedConv2D) conf.getLayer();
        Map<String, INDArray> views = views(c, paramsView);
        if (initializeParams) {
            long[] s = weightShape(c);
            double fanIn = s[1] * s[2] * s[3];
            double fanOut = (c.getNOut() / c.getGroups()) * s[2] * s[3];
            c.getWeightInitFn().init(fanIn, fanOut, s, 'c', views.get(WEIGHT_KEY));
            if (c.hasBias()) {
                views.get(BIAS_KEY).assign(c.getBiasInit());
            }
        }
        for (String k : views.keySet()) {
            conf.addVariable(k);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((GroupedConv2D) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> views(GroupedConv2D c, INDArray flat) {
        INDArray f = flat.reshape(flat.length());
        long nW = numWeights(c);
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        out.put(WEIGHT_KEY, f.get(NDArrayIndex.interval(0, nW)).reshape('c', weightShape(c)));
        if (c.hasBias()) {
            out.put(BIAS_KEY, f.get(NDArrayIndex.interval(nW, nW + c.getNOut())));
        }
        return out;
    }
}
