package io.github.sknet.models;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

import io.github.sknet.layer.fold.BatchNormFolding;

/**
 * SKNet in DL4J's zoo style:
 *
 * <pre>
 * ComputationGraph net = SKNet.builder(SKNetVariant.SKNET50).numClasses(10).inputShape(3, 224, 224).build().init();
 * </pre>
 *
 * No pretrained weights are downloaded; bring them from PyTorch with {@link io.github.sknet.models.torch.PyTorchWeights}.
 */
public final class SKNet extends ZooModel<SKNet> {
    private final SKNetVariant variant;
    private final SKNetBuilder builder;
    private int[] inputShape;
    private final int numClasses;

    private SKNet(SKNetVariant variant, SKNetBuilder builder, int[] inputShape, int numClasses) {
        this.variant = variant;
        this.builder = builder;
        this.inputShape = inputShape;
        this.numClasses = numClasses;
    }

    public static Builder builder(SKNetVariant variant) {
        return new Builder(variant);
    }

    public ComputationGraphConfiguration conf() {
        return builder.inputShape(inputShape[0], inputShape[1], inputShape[2]).build();
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
        return new ModelMetaData(new int[][] {inputShape}, 1, ZooType.CNN);
    }

    @Override
    public void setInputShape(int[][] shape) {
        this.inputShape = shape[0].clone();
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
        return variant.id();
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
        return variant;
    }

    public int numClasses() {
        return numClasses;
    }

    public static final class Builder {
        private final SKNetVariant variant;
        private final SKNetBuilder net;
        private int numClasses;
        private int[] inputShape;

        private Builder(SKNetVariant variant) {
            this.variant = variant;
            this.net = new SKNetBuilder(variant);
            this.numClasses = variant.defaultClasses();
            this.inputShape = new int[] {3, variant.defaultSize(), variant.defaultSize()};
        }

        public Builder numClasses(int k) {
            this.numClasses = k;
            net.numClasses(k);
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
            net.seed(seed);
            return this;
        }

        public Builder updater(IUpdater updater) {
            net.updater(updater);
            return this;
        }

        /** Regularisation of convolution and dense weights, e.g. {@link io.github.sknet.models.train.TrainingRecipe#regularization()}. */
        public Builder regularization(java.util.List<org.nd4j.linalg.learning.regularization.Regularization> r) {
            net.regularization(r);
            return this;
        }

        /** Clips each layer's gradient to this L2 norm; 0: off. */
        public Builder clipGradient(double threshold) {
            net.clipGradient(threshold);
            return this;
        }

        public Builder dataType(DataType dataType) {
            net.dataType(dataType);
            return this;
        }

        public SKNet build() {
            SKNet m = new SKNet(variant, net, inputShape, numClasses);
            m.conf(); // validates now rather than at init()
            return m;
        }
    }
}
