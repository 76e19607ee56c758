package io.github.sknet.layer.norm;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of {@link BatchNorm}, each {@code [C]}: "gamma" and "beta" (trained), "mean" and "var"
 * (running statistics, updated by the forward pass in training, never by an updater).
 */
public final class BatchNormParamInitializer implements ParamInitializer {
    public static final BatchNormParamInitializer INSTANCE = new BatchNormParamInitializer();
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";
    public static final String MEAN = "mean";
    public static final String VAR = "var";
    private static final List<String> KEYS = Arrays.asList(GAMMA, BETA, MEAN, VAR);

    private BatchNormParamInitializer() {
    }

    public static boolean isRunningStat(String key) {
        return MEAN.equals(key) || VAR.equals(key);
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return 4 * ((BatchNorm) layer).getNOut();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return KEYS;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.singletonList(GAMMA);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.singletonList(BETA);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return GAMMA.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BETA.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> views = views((BatchNorm) conf.getLayer(), paramsView);
        if (initializeParams) {
            views.get(GAMMA).assign(1);
            views.get(BETA).assign(0);
            views.get(MEAN).assign(0);
            views.get(VAR).assign(1);
        }
        for (String k : KEYS) {
            conf.addVariable(k);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((BatchNorm) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> views(BatchNorm layer, INDArray flat) {
        long c = layer.getNOut();
        INDArray f = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        for (int i = 0; i < KEYS.size(); i++) {
            out.put(KEYS.get(i), f.get(NDArrayIndex.interval(i * c, (i + 1) * c)));
        }
        return out;
    }
}
