package io.github.sknet.layer.pool;

import java.util.Collection;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.LayerWiring;

/**
 * DL4J's {@link SubsamplingLayer} for max pooling (same options, JSON fields, output sizes and
 * {@code InputType} inference) whose runtime, {@link MaxPool2DLayer}, runs a {@link MaxPoolHelper}
 * (oneDNN) where one applies and DL4J's own pooling otherwise.
 *
 * <pre>
 * new MaxPool2D.Builder().kernelSize(3, 3).stride(2, 2).padding(1, 1).build()
 * </pre>
 */
public class MaxPool2D extends SubsamplingLayer {
    /** For JSON. */
    public MaxPool2D() {
    }

    private MaxPool2D(Builder b) {
        super(b); // DL4J's copies every field, the dilation too
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new MaxPool2DLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    /** DL4J's {@link SubsamplingLayer.Builder} for max pooling, building a {@link MaxPool2D}. */
    public static class Builder extends SubsamplingLayer.Builder {
        public Builder() {
            super(PoolingType.MAX);
        }

        @Override
        public Builder kernelSize(int... kernelSize) {
            super.kernelSize(kernelSize);
            return this;
        }

        @Override
        public Builder stride(int... stride) {
            super.stride(stride);
            return this;
        }

        @Override
        public Builder padding(int... padding) {
            super.padding(padding);
            return this;
        }

        @Override
        public Builder dilation(int... dilation) {
            super.dilation(dilation);
            return this;
        }

        @Override
        public Builder convolutionMode(ConvolutionMode convolutionMode) {
            super.convolutionMode(convolutionMode);
            return this;
        }

        @Override
        public Builder dataFormat(CNN2DFormat format) {
            super.dataFormat(format);
            return this;
        }

        @Override
        public Builder name(String layerName) {
            super.name(layerName);
            return this;
        }

        @Override
        public MaxPool2D build() {
            if (poolingType != org.deeplearning4j.nn.conf.layers.PoolingType.MAX) {
                throw new IllegalArgumentException("MaxPool2D: poolingType must be MAX, got " + poolingType
                        + " (use DL4J's SubsamplingLayer for other poolings)");
            }
            super.build(); // DL4J's validation of the sizes
            return new MaxPool2D(this);
        }
    }
}
