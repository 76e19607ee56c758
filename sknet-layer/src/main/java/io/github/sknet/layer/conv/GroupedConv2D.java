package io.github.sknet.layer.conv;

import java.util.Arrays;
import java.util.Collection;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.LayerWiring;

/**
 * Grouped 2D convolution, NCHW, with explicit padding (PyTorch's {@code Conv2d(groups=G)}): input
 * channels and output channels are split into {@code groups} groups and group {@code g} of the output
 * sees only group {@code g} of the input. Weights are stored as PyTorch stores them,
 * {@code [nOut, nIn / groups, kH, kW]}. {@code groups = 1} is an ordinary convolution, {@code groups = nIn}
 * a depthwise one.
 *
 * <pre>
 * new GroupedConv2D.Builder().nOut(128).groups(32).kernelSize(3, 3).padding(2, 2).dilation(2, 2).build()
 * </pre>
 */
public class GroupedConv2D extends FeedForwardLayer {
    private int groups = 1;
    private int[] kernelSize = {3, 3};
    private int[] stride = {1, 1};
    private int[] padding = {0, 0};
    private int[] dilation = {1, 1};
    private boolean hasBias = false;
    private boolean inputGradient = true;

    /** For JSON. */
    public GroupedConv2D() {
    }

    private GroupedConv2D(Builder b) {
        super(b);
        this.groups = b.groups;
        this.kernelSize = b.kernelSize;
        this.stride = b.stride;
        this.padding = b.padding;
        this.dilation = b.dilation;
        this.hasBias = b.hasBias;
        this.inputGradient = b.inputGradient;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams,
            DataType networkDataType) {
        checkChannels(nIn);
        return LayerWiring.wire(new GroupedConv2DLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedConv2DParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convInput(inputType);
        long h = ConvGeometry.outputSize(in.getHeight(), kernelSize[0], stride[0], padding[0], dilation[0]);
        long w = ConvGeometry.outputSize(in.getWidth(), kernelSize[1], stride[1], padding[1], dilation[1]);
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(describe() + ": input " + in.getHeight() + "x" + in.getWidth()
                    + " is too small for kernel " + Arrays.toString(kernelSize) + " with dilation "
                    + Arrays.toString(dilation) + " and padding " + Arrays.toString(padding));
        }
        return InputType.convolutional(h, w, nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = convInput(inputType).getChannels();
            checkChannels(nIn);
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        long params = initializer().numParams(this);
        return new LayerMemoryReport.Builder(layerName, GroupedConv2D.class, inputType, out)
                .standardMemory(params, params)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    private InputType.InputTypeConvolutional convInput(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException(describe() + ": expects convolutional (NCHW) input, got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (c.getFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(describe() + ": supports NCHW input only, got " + c.getFormat());
        }
        return c;
    }

    private void checkChannels(long channels) {
        if (channels > 0 && channels % groups != 0) {
            throw new IllegalArgumentException(describe() + ": input channels (" + channels
                    + ") must be divisible by groups (" + groups + ")");
        }
    }

    String describe() {
        return "GroupedConv2D layer '" + (layerName == null ? "(unnamed)" : layerName) + "'";
    }

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    public int[] getKernelSize() {
        return kernelSize;
    }

    public void setKernelSize(int[] kernelSize) {
        this.kernelSize = kernelSize;
    }

    public int[] getStride() {
        return stride;
    }

    public void setStride(int[] stride) {
        this.stride = stride;
    }

    public int[] getPadding() {
        return padding;
    }

    public void setPadding(int[] padding) {
        this.padding = padding;
    }

    public int[] getDilation() {
        return dilation;
    }

    public void setDilation(int[] dilation) {
        this.dilation = dilation;
    }

    public boolean hasBias() {
        return hasBias;
    }

    public boolean isHasBias() {
        return hasBias;
    }

    public void setHasBias(boolean hasBias) {
        this.hasBias = hasBias;
    }

    /** Whether backprop computes dL/d(input); false skips the backward-data convolution. */
    public boolean isInputGradient() {
        return inputGradient;
    }

    public void setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GroupedConv2D) || !super.equals(o)) {
            return false;
        }
        GroupedConv2D g = (GroupedConv2D) o;
        return groups == g.groups && hasBias == g.hasBias && inputGradient == g.inputGradient
                && Arrays.equals(kernelSize, g.kernelSize)
                && Arrays.equals(stride, g.stride) && Arrays.equals(padding, g.padding)
                && Arrays.equals(dilation, g.dilation);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(new int[] {groups, hasBias ? 1 : 0, inputGradient ? 1 : 0,
                Arrays.hashCode(kernelSize), Arrays.hashCode(stride), Arrays.hashCode(padding),
                Arrays.hashCode(dilation)});
    }

    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int groups = 1;
        private int[] kernelSize = {3, 3};
        private int[] stride = {1, 1};
        private int[] padding = {0, 0};
        private int[] dilation = {1, 1};
        private boolean hasBias = false;
        private boolean inputGradient = true;

        public Builder() {
            activation(Activation.IDENTITY);
        }

        public Builder groups(int groups) {
            this.groups = groups;
            return this;
        }

        /** One value for a square kernel, or {@code kH, kW}. */
        public Builder kernelSize(int... kernelSize) {
            this.kernelSize = pair("kernelSize", kernelSize);
            return this;
        }

        public Builder stride(int... stride) {
            this.stride = pair("stride", stride);
            return this;
        }

        public Builder padding(int... padding) {
            this.padding = pair("padding", padding);
            return this;
        }

        public Builder dilation(int... dilation) {
            this.dilation = pair("dilation", dilation);
            return this;
        }

        /**
         * False for a layer fed by the network's input, whose gradient nobody reads: backprop then returns
         * no input gradient and skips the backward-data convolution (PyTorch skips it for inputs that do not
         * require grad). Default true.
         */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        private int[] pair(String arg, int[] v) {
            if (v == null || v.length < 1 || v.length > 2) {
                throw new IllegalArgumentException("GroupedConv2D" + nameSuffix() + ": " + arg
                        + " takes 1 or 2 values, got " + Arrays.toString(v));
            }
            return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
        }

        private String nameSuffix() {
            return layerName == null ? "" : " layer '" + layerName + "'";
        }

        @Override
        @SuppressWarnings("unchecked")
        public GroupedConv2D build() {
            String who = "GroupedConv2D" + nameSuffix();
            require(groups >= 1, who + ": groups must be >= 1, got " + groups);
            require(nOut >= 1, who + ": nOut must be set (>= 1), got " + nOut);
            require(nOut % groups == 0, who + ": nOut (" + nOut + ") must be divisible by groups (" + groups + ")");
            require(nIn <= 0 || nIn % groups == 0,
                    who + ": nIn (" + nIn + ") must be divisible by groups (" + groups + ")");
            require(kernelSize[0] >= 1 && kernelSize[1] >= 1,
                    who + ": kernelSize must be >= 1, got " + Arrays.toString(kernelSize));
            require(stride[0] >= 1 && stride[1] >= 1, who + ": stride must be >= 1, got " + Arrays.toString(stride));
            require(padding[0] >= 0 && padding[1] >= 0,
                    who + ": padding must be >= 0, got " + Arrays.toString(padding));
            require(dilation[0] >= 1 && dilation[1] >= 1,
                    who + ": dilation must be >= 1, got " + Arrays.toString(dilation));
            return new GroupedConv2D(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
