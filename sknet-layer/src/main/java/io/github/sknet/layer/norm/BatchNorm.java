package io.github.sknet.layer.norm;

import java.util.Collection;
import java.util.Collections;
import java.util.List;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;

import io.github.sknet.layer.LayerWiring;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Batch normalisation with PyTorch's semantics, for {@code [N, C]} and {@code [N, C, H, W]} input:
 * training normalises with the batch mean and biased batch variance and updates
 * {@code running = (1 - momentum) * running + momentum * batch} with the <em>unbiased</em> variance;
 * inference uses the running statistics. The running statistics are parameters (saved with the
 * model, averaged by parameter averaging) that no updater touches. An optional activation (ReLU in
 * SKConv) is applied after the affine step, saving a pass over the data.
 *
 * <p>DL4J's own BatchNormalization updates its running variance with the biased batch variance, so
 * it cannot reproduce PyTorch weights' behaviour exactly; this layer can.
 */
public class BatchNorm extends FeedForwardLayer {
    private double eps = 1e-5;
    private double momentum = 0.1;

    /** For JSON. */
    public BatchNorm() {
    }

    private BatchNorm(Builder b) {
        super(b);
        this.eps = b.eps;
        this.momentum = b.momentum;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams,
            DataType networkDataType) {
        return LayerWiring.wire(new BatchNormLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return BatchNormParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        channelsOf(inputType);
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = channelsOf(inputType);
            nOut = nIn;
        }
    }

    private long channelsOf(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional) {
            return ((InputType.InputTypeConvolutional) t).getChannels();
        }
        if (t instanceof InputType.InputTypeFeedForward) {
            return ((InputType.InputTypeFeedForward) t).getSize();
        }
        throw new IllegalArgumentException(describe() + ": expects feed-forward [N, C] or convolutional [N, C, H, W] "
                + "input, got " + t);
    }

    String describe() {
        return "BatchNorm layer '" + (layerName == null ? "(unnamed)" : layerName) + "'";
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return Collections.emptyList();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return BatchNormParamInitializer.isRunningStat(paramName) ? new NoOp() : iUpdater;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = 4 * nOut;
        return new LayerMemoryReport.Builder(layerName, BatchNorm.class, inputType, inputType)
                .standardMemory(params, params)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    public double getMomentum() {
        return momentum;
    }

    public void setMomentum(double momentum) {
        this.momentum = momentum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchNorm && super.equals(o) && eps == ((BatchNorm) o).eps
                && momentum == ((BatchNorm) o).momentum;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(eps) * 7 + Double.hashCode(momentum);
    }

    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private double eps = 1e-5;
        private double momentum = 0.1;

        public Builder() {
            activation(Activation.IDENTITY);
        }

        /** Added to the variance before the square root (PyTorch: 1e-5). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Weight of the batch statistic in the running average (PyTorch: 0.1; DL4J's "decay" is 1 - momentum). */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public BatchNorm build() {
            String who = "BatchNorm" + (layerName == null ? "" : " layer '" + layerName + "'");
            if (!(eps > 0)) {
                throw new IllegalArgumentException(who + ": eps must be > 0, got " + eps);
            }
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException(who + ": momentum must be in [0, 1], got " + momentum);
            }
            if (nOut > 0 && nIn <= 0) {
                nIn = nOut;
            } else if (nIn > 0 && nOut <= 0) {
                nOut = nIn;
            }
            return new BatchNorm(this);
        }
    }
}
