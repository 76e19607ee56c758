package io.github.sknet.models;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.fold.BatchNormFolding;
import io.github.sknet.layer.linear.Linear;
import io.github.sknet.layer.pool.MaxPool2D;

/**
 * SKNet in DL4J's zoo style, one builder for every {@link SKNetVariant}:
 *
 * <pre>
 * ComputationGraph net = SKNet.builder(SKNetVariant.SKNET50).numClasses(10).inputShape(3, 224, 224).build().init();
 * ComputationGraphConfiguration conf = SKNet.builder(SKNetVariant.SKNET50).numClasses(10).conf();
 * </pre>
 *
 * The network: stem, stages of units, global average pool, classifier. Vertex names mirror the reference
 * PyTorch state_dict ({@code basic_conv.0}, {@code stage_2.0.conv2_sk}, {@code classifier}), so weights
 * map by name. The graph's output {@link #OUTPUT} gives softmax probabilities; {@link #LOGITS} holds the
 * raw logits. No pretrained weights are downloaded; bring them from PyTorch with
 * {@link io.github.sknet.models.torch.PyTorchWeights}.
 */
public final class SKNet extends ZooModel<SKNet> {
    public static final String INPUT = "input";
    public static final String LOGITS = "classifier";
    public static final String OUTPUT = "output";

    /** This model's settings (a copy of the builder's at {@link Builder#build()}). */
    private final Builder settings;

    private SKNet(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder(SKNetVariant variant) {
        return new Builder(variant);
    }

    public ComputationGraphConfiguration conf() {
        return settings.conf();
    }

    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph g = new ComputationGraph(conf());
        g.init();
        return g;
    }

    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][] {settings.inputShape.clone()}, 1, ZooType.CNN);
    }

    @Override
    public void setInputShape(int[][] shape) {
        settings.inputShape(shape[0]);
    }

    @Override
    public Class<? extends Model> modelType() {
        return ComputationGraph.class;
    }

    @Override
    public String pretrainedUrl(PretrainedType type) {
        return null;
    }

    @Override
    public long pretrainedChecksum(PretrainedType type) {
        return 0L;
    }

    @Override
    public String modelName() {
        return settings.variant.id();
    }

    /**
     * An inference-only copy of a built (and trained or imported) SKNet with every BatchNorm folded into
     * the convolution or dense layer before it: same outputs up to float rounding, fewer passes over the
     * data. Vertex names stay (the folded layer takes the BatchNorm's name), so {@code classifier} still
     * holds the logits. See {@link BatchNormFolding}.
     */
    public static ComputationGraph foldBatchNorm(ComputationGraph net) {
        return BatchNormFolding.fold(net);
    }

    public SKNetVariant variant() {
        return settings.variant;
    }

    public int numClasses() {
        return settings.numClasses;
    }

    /**
     * The settings of one SKNet: {@link #conf()} gives its DL4J graph configuration, {@link #build()} the
     * zoo model. Defaults: the variant's classes and input size, 3 channels, seed 12345, Adam 1e-3, float32,
     * no regularisation, no gradient clipping.
     */
    public static final class Builder {
        private final SKNetVariant variant;
        private int numClasses;
        /** [channels, height, width]. */
        private int[] inputShape;
        private long seed = 12345;
        private IUpdater updater = new Adam(1e-3);
        private DataType dataType = DataType.FLOAT;
        private List<Regularization> regularization = List.of();
        private double clipGradient;

        private Builder(SKNetVariant variant) {
            this.variant = variant;
            this.numClasses = variant.defaultClasses();
            this.inputShape = new int[] {3, variant.defaultSize(), variant.defaultSize()};
        }

        private Builder(Builder b) {
            this.variant = b.variant;
            this.numClasses = b.numClasses;
            this.inputShape = b.inputShape.clone();
            this.seed = b.seed;
            this.updater = b.updater;
            this.dataType = b.dataType;
            this.regularization = b.regularization;
            this.clipGradient = b.clipGradient;
        }

        public Builder numClasses(int k) {
            this.numClasses = k;
            return this;
        }

        /** [channels, height, width]. */
        public Builder inputShape(int... chw) {
            if (chw.length != 3) {
                throw new IllegalArgumentException("SKNet: inputShape takes [channels, height, width], got "
                        + chw.length + " values");
            }
            this.inputShape = chw.clone();
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
            return this;
        }

        /**
         * Regularisation of convolution and dense weights (BatchNorm parameters and biases get none), e.g.
         * {@link io.github.sknet.models.train.TrainingRecipe#regularization()}.
         */
        public Builder regularization(List<Regularization> regularization) {
            this.regularization = List.copyOf(regularization);
            return this;
        }

        /** Clips each layer's gradient to this L2 norm (DL4J's ClipL2PerLayer); 0 turns clipping off. */
        public Builder clipGradient(double threshold) {
            if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException(variant.id() + ": gradient clipping threshold must be >= 0, got "
                        + threshold);
            }
            this.clipGradient = threshold;
            return this;
        }

        /** The zoo model of these settings (checked now, not at {@link SKNet#init()}). */
        public SKNet build() {
            SKNet m = new SKNet(new Builder(this));
            m.conf();
            return m;
        }

        /**
         * The network's DL4J configuration.
         *
         * @throws InputTooSmallException if the input is smaller than the architecture's total stride
         */
        public ComputationGraphConfiguration conf() {
            String who = variant.id();
            int channels = inputShape[0], height = inputShape[1], width = inputShape[2];
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
                nb.gradientNormalization(GradientNormalization.ClipL2PerLayer)
                        .gradientNormalizationThreshold(clipGradient);
            }
            GraphBuilder gb = nb.graphBuilder().addInputs(INPUT)
                    .setInputTypes(InputType.convolutional(height, width, channels));
            String h = stem(gb, channels);
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
                    .addLayer(LOGITS, new Linear.Builder().nOut(numClasses).activation(Activation.IDENTITY)
                            .weightInit(WeightInit.XAVIER).build(), "avgpool")
                    .addLayer(OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .activation(Activation.SOFTMAX).build(), LOGITS)
                    .setOutputs(OUTPUT);
            return gb.build();
        }

        private String stem(GraphBuilder gb, int channels) {
            int c0 = variant.stemChannels();
            if (variant.stem() == SKNetVariant.Stem.IMAGENET) {
                String h = Units.convBn(gb, "basic_conv", channels, c0, 7, 2, 3, true, INPUT);
                gb.addLayer("maxpool", new MaxPool2D.Builder().kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), h);
                return "maxpool";
            }
            return Units.convBn(gb, "basic_conv", channels, c0, 3, 1, 1, true, INPUT);
        }
    }
}
