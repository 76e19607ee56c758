package io.github.sknet.layer.conv;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayerUtils;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

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
 *
 * <p>A SameDiff layer: {@link #defineLayer} is the definition, and its backward comes from autodiff.
 * SameDiff has no grouped convolution; the definition builds one from a depthwise convolution. The
 * runtime, {@link GroupedConv2DLayer}, runs a {@link GroupedConvHelper} instead where one applies.
 */
public class GroupedConv2D extends SameDiffLayer {
    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    private long nIn;
    private long nOut;
    private int groups = 1;
    private int[] kernelSize = {3, 3};
    private int[] stride = {1, 1};
    private int[] padding = {0, 0};
    private int[] dilation = {1, 1};
    private boolean hasBias = false;
    private boolean inputGradient = true;
    private IActivation activationFn;
    private IWeightInit weightInitFn;
    private double biasInit = Double.NaN;

    /** For JSON. */
    public GroupedConv2D() {
    }

    private GroupedConv2D(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.nOut = b.nOut;
        this.groups = b.groups;
        this.kernelSize = b.kernelSize;
        this.stride = b.stride;
        this.padding = b.padding;
        this.dilation = b.dilation;
        this.hasBias = b.hasBias;
        this.inputGradient = b.inputGradient;
        this.activationFn = b.activationFn;
        this.weightInitFn = b.weightInitFn;
        this.biasInit = b.biasInit;
    }

    /**
     * y = conv(x, W) (+ b), then the activation: one ND4J convolution. Groups run as block-diagonal
     * dense weights, a dilated kernel as the undilated kernel with zeros between its taps.
     */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        SDVariable w = params.get(WEIGHT_KEY); // [out, in / G, kH, kW]
        int kH = kernelSize[0], kW = kernelSize[1];
        if (dilation[0] > 1 || dilation[1] > 1) {
            // the same convolution undilated, with zeros between the taps: ND4J's fast (oneDNN) kernel
            // refuses most dilated geometries and its generic one is several times slower
            w = dilateKernel(sd, w);
            kH = (kH - 1) * dilation[0] + 1;
            kW = (kW - 1) * dilation[1] + 1;
        }
        Conv2DConfig conv = Conv2DConfig.builder().kH(kH).kW(kW).sH(stride[0]).sW(stride[1])
                .pH(padding[0]).pW(padding[1]).dataFormat(Conv2DConfig.NCHW).build();
        if (groups > 1) {
            // block-diagonal dense weights [out, in, kH, kW]: W tiled along the input channels, zero outside
            // each group's block. G times the multiply-adds, yet in one ND4J convolution it ran 10x faster
            // than a convolution per group or ND4J's depthwise convolution (C=128 56x56 and C=1024 7x7, G=32)
            w = sd.tile(w, 1, groups, 1, 1).mul(sd.constant(blockDiagonalMask(w.dataType())));
        }
        SDVariable y = sd.cnn().conv2d(x, w.permute(2, 3, 1, 0), conv); // conv2d's layout: [kH, kW, in, out]
        if (hasBias) {
            y = y.add(params.get(BIAS_KEY).reshape(1, nOut, 1, 1));
        }
        return activation().asSameDiff(sd, y);
    }

    /** [out, in, 1, 1]: 1 where output and input channel are in one group. */
    private INDArray blockDiagonalMask(DataType dataType) {
        INDArray m = Nd4j.zeros(dataType, nOut, nIn, 1, 1);
        long outPerGroup = nOut / groups, inPerGroup = nIn / groups;
        for (long o = 0; o < nOut; o++) {
            long g = o / outPerGroup;
            for (long i = g * inPerGroup; i < (g + 1) * inPerGroup; i++) {
                m.putScalar(new long[] {o, i, 0, 0}, 1.0);
            }
        }
        return m;
    }

    /** W [out, in / G, kH, kW] with dilation - 1 zeros between its taps: [out, in / G, (kH-1)dH+1, (kW-1)dW+1]. */
    private SDVariable dilateKernel(SameDiff sd, SDVariable w) {
        int kH = kernelSize[0], kW = kernelSize[1];
        int eH = (kH - 1) * dilation[0] + 1, eW = (kW - 1) * dilation[1] + 1;
        // one product with the [kH*kW, eH*eW] matrix taking tap (i, j) to (i*dH, j*dW)
        INDArray spread = Nd4j.zeros(w.dataType(), (long) kH * kW, (long) eH * eW);
        for (int i = 0; i < kH; i++) {
            for (int j = 0; j < kW; j++) {
                spread.putScalar((long) i * kW + j, (long) i * dilation[0] * eW + (long) j * dilation[1], 1.0);
            }
        }
        return w.reshape(nOut * (nIn / groups), (long) kH * kW).mmul(sd.constant(spread))
                .reshape(nOut, nIn / groups, eH, eW);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT_KEY, weightShape());
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, nOut);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        long[] s = weightShape();
        double fanIn = s[1] * s[2] * s[3];
        double fanOut = (nOut / groups) * s[2] * s[3];
        IWeightInit init = weightInitFn != null ? weightInitFn : WeightInit.XAVIER.getWeightInitFunction();
        init.init(fanIn, fanOut, s, 'c', params.get(WEIGHT_KEY));
        if (hasBias) {
            params.get(BIAS_KEY).assign(Double.isNaN(biasInit) ? 0.0 : biasInit);
        }
    }

    /** [nOut, nIn / groups, kH, kW]. */
    public long[] weightShape() {
        return new long[] {nOut, nIn / groups, kernelSize[0], kernelSize[1]};
    }

    /** Settings not given on the layer come from the network's: weight initialisation, bias value. */
    @Override
    public void applyGlobalConfigToLayer(NeuralNetConfiguration.Builder global) {
        if (weightInitFn == null) {
            weightInitFn = global.getWeightInitFn();
        }
        if (Double.isNaN(biasInit)) {
            biasInit = global.getBiasInit();
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams,
            DataType networkDataType) {
        checkChannels(nIn);
        GroupedConv2DLayer layer = new GroupedConv2DLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
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
            setLayerParams(null); // the weight shape depends on nIn
        }
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

    @JsonProperty("nin")
    public long getNIn() {
        return nIn;
    }

    @JsonProperty("nin")
    public void setNIn(long nIn) {
        this.nIn = nIn;
        setLayerParams(null);
    }

    @JsonProperty("nout")
    public long getNOut() {
        return nOut;
    }

    @JsonProperty("nout")
    public void setNOut(long nOut) {
        this.nOut = nOut;
        setLayerParams(null);
    }

    public IActivation getActivationFn() {
        return activationFn;
    }

    public void setActivationFn(IActivation activationFn) {
        this.activationFn = activationFn;
    }

    /** The activation as SameDiff knows it (identity when none is set). */
    @JsonIgnore
    Activation activation() {
        if (activationFn == null) {
            return Activation.IDENTITY;
        }
        Activation a = SameDiffLayerUtils.fromIActivation(activationFn);
        if (a == null) {
            throw new IllegalStateException(describe() + ": activation " + activationFn + " has no SameDiff form");
        }
        return a;
    }

    public IWeightInit getWeightInitFn() {
        return weightInitFn;
    }

    public void setWeightInitFn(IWeightInit weightInitFn) {
        this.weightInitFn = weightInitFn;
    }

    public double getBiasInit() {
        return biasInit;
    }

    public void setBiasInit(double biasInit) {
        this.biasInit = biasInit;
    }

    /** Model files written before this was a SameDiff layer name the updater "iupdater". */
    @JsonProperty("iupdater")
    void setLegacyUpdater(org.nd4j.linalg.learning.config.IUpdater updater) {
        if (updater != null) {
            setUpdater(updater);
        }
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
        setLayerParams(null); // defined again, with or without the bias
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
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        GroupedConv2D g = (GroupedConv2D) o;
        return java.util.Objects.equals(layerName, g.layerName) && java.util.Objects.equals(updater, g.updater)
                && java.util.Objects.equals(regularization, g.regularization) && nIn == g.nIn && nOut == g.nOut && groups == g.groups && hasBias == g.hasBias
                && inputGradient == g.inputGradient && java.util.Objects.equals(activationFn, g.activationFn)
                && java.util.Objects.equals(weightInitFn, g.weightInitFn)
                && Double.compare(biasInit, g.biasInit) == 0
                && Arrays.equals(kernelSize, g.kernelSize)
                && Arrays.equals(stride, g.stride) && Arrays.equals(padding, g.padding)
                && Arrays.equals(dilation, g.dilation);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(nIn, nOut, activationFn, layerName) + Arrays.hashCode(new int[] {groups, hasBias ? 1 : 0, inputGradient ? 1 : 0,
                Arrays.hashCode(kernelSize), Arrays.hashCode(stride), Arrays.hashCode(padding),
                Arrays.hashCode(dilation)});
    }

    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private long nIn;
        private long nOut;
        private IActivation activationFn = Activation.IDENTITY.getActivationFunction();
        private IWeightInit weightInitFn;
        private double biasInit = Double.NaN;
        private int groups = 1;
        private int[] kernelSize = {3, 3};
        private int[] stride = {1, 1};
        private int[] padding = {0, 0};
        private int[] dilation = {1, 1};
        private boolean hasBias = false;
        private boolean inputGradient = true;

        public Builder() {
            setWeightInit(null); // SameDiffLayer's default (Xavier) would hide the network's
        }

        /** Input channels; inferred from the input type when not set. */
        public Builder nIn(long nIn) {
            this.nIn = nIn;
            return this;
        }

        /** Output channels. */
        public Builder nOut(long nOut) {
            this.nOut = nOut;
            return this;
        }

        /** Applied after the convolution (default identity). */
        public Builder activation(Activation activation) {
            this.activationFn = activation.getActivationFunction();
            return this;
        }

        public Builder activation(IActivation activation) {
            this.activationFn = activation;
            return this;
        }

        /** Default: the network's weight initialisation. */
        @Override
        public Builder weightInit(WeightInit weightInit) {
            this.weightInitFn = weightInit.getWeightInitFunction();
            return this;
        }

        public Builder weightInit(IWeightInit weightInit) {
            this.weightInitFn = weightInit;
            return this;
        }

        /** Initial bias value (default: the network's, 0 unless set). */
        public Builder biasInit(double biasInit) {
            this.biasInit = biasInit;
            return this;
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
