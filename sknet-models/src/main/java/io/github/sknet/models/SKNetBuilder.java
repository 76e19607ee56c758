package io.github.sknet.models;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The one network builder behind every {@link SKNetVariant}: stem, stages of units, global average
 * pool, classifier. Vertex names mirror the reference PyTorch state_dict ({@code basic_conv.0},
 * {@code stage_2.0.conv2_sk}, {@code classifier}), so weights map by name. The graph's output
 * {@code output} gives softmax probabilities; {@code classifier} holds the raw logits.
 */
public final class SKNetBuilder {
    public static final String INPUT = "input";
    public static final String LOGITS = "classifier";
    public static final String OUTPUT = "output";

    private final SKNetVariant variant;
    private int numClasses;
    private int height;
    private int width;
    private int channels = 3;
    private long seed = 12345;
    private IUpdater updater = new Adam(1e-3);
    private DataType dataType = DataType.FLOAT;
    private List<Regularization> regularization = List.of();
    private double clipGradient;

    public SKNetBuilder(SKNetVariant variant) {
        this.variant = variant;
        this.numClasses = variant.defaultClasses();
        this.height = variant.defaultSize();
        this.width = variant.defaultSize();
    }

    public SKNetBuilder numClasses(int k) {
        this.numClasses = k;
        return this;
    }

    /** Input [channels, height, width]. */
    public SKNetBuilder inputShape(int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        return this;
    }

    public SKNetBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public SKNetBuilder updater(IUpdater updater) {
        this.updater = updater;
        return this;
    }

    public SKNetBuilder dataType(DataType dataType) {
        this.dataType = dataType;
        return this;
    }

    /** Regularisation of convolution and dense weights (BatchNorm parameters and biases get none). */
    public SKNetBuilder regularization(List<Regularization> regularization) {
        this.regularization = List.copyOf(regularization);
        return this;
    }

    /** Clips each layer's gradient to this L2 norm (DL4J's ClipL2PerLayer); 0 turns clipping off. */
    public SKNetBuilder clipGradient(double threshold) {
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException(variant.id() + ": gradient clipping threshold must be >= 0, got " + threshold);
        }
        this.clipGradient = threshold;
        return this;
    }

    /**
     * An input size below the architecture's total stride: a bad argument wherever it comes from (the
     * sknet command reports it as a usage error, exit 2, whichever sub-command gave the size).
     */
    public static final class InputTooSmallException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InputTooSmallException(String message) {
            super(message);
        }
    }

    public ComputationGraphConfiguration build() {
        String who = variant.id();
        if (numClasses < 1) {
            throw new IllegalArgumentException(who + ": number of classes must be >= 1, got " + numClasses);
        }
        if (channels < 1) {
            throw new IllegalArgumentException(who + ": input channels must be >= 1, got " + channels);
        }
        int reduction = (variant.stem() == SKNetVariant.Stem.IMAGENET ? 4 : 1)
                * (1 << (variant.stages().size() - 1));
        if (height < reduction || width < reduction) {
            throw new InputTooSmallException(who + ": input " + height + "x" + width + " is too small; it needs at "
                    + "least " + reduction + "x" + reduction);
        }
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType)
                .updater(updater).weightInit(WeightInit.RELU).regularization(new ArrayList<>(regularization));
        if (clipGradient > 0) {
            nb.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(clipGradient);
        }
        GraphBuilder gb = nb.graphBuilder().addInputs(INPUT)
                .setInputTypes(InputType.convolutional(height, width, channels));
        String h = stem(gb);
        List<Stage> stages = variant.stages();
        for (int s = 0; s < stages.size(); s++) {
            Stage st = stages.get(s);
            for (int u = 0; u < st.units(); u++) {
                String name = "stage_" + (s + 1) + "." + u;
                int in = u == 0 ? st.in() : st.out();
                int stride = u == 0 ? st.stride() : 1;
                h = variant.block() == SKNetVariant.Block.BOTTLENECK
                        ? SKBottleneck.add(gb, variant, name, in, st.mid(), st.out(), stride, h)
                        : SKBasicBlock.add(gb, variant, name, in, st.out(), stride, h);
            }
        }
        gb.addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), h)
                .addLayer(LOGITS, new DenseLayer.Builder().nOut(numClasses).activation(Activation.IDENTITY)
                        .weightInit(WeightInit.XAVIER).build(), "avgpool")
                .addLayer(OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), LOGITS)
                .setOutputs(OUTPUT);
        return gb.build();
    }

    private String stem(GraphBuilder gb) {
        int c0 = variant.stemChannels();
        if (variant.stem() == SKNetVariant.Stem.IMAGENET) {
            String h = Units.convBn(gb, "basic_conv", channels, c0, 7, 2, 3, true, INPUT);
            // inputs are >= 0 after ReLU, so DL4J's padding matches PyTorch's -inf padding for max pooling
            gb.addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                    .kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), h);
            return "maxpool";
        }
        return Units.convBn(gb, "basic_conv", channels, c0, 3, 1, 1, true, INPUT);
    }
}
