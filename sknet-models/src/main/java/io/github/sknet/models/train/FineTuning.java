package io.github.sknet.models.train;

import java.util.ArrayList;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.linear.Linear;
import io.github.sknet.models.SKNet;

/**
 * An imported or trained SKNet made ready for a new set of classes: a fresh classifier of
 * {@code numClasses} outputs on the global pool, every layer given the recipe's optimiser, schedule and
 * weight decay, and, with {@code freeze}, the trunk up to the global pool frozen (its BatchNorms then run
 * with their stored statistics, as timm's frozen BatchNorm).
 */
public final class FineTuning {
    /** The vertex the trunk ends in: the frozen part with {@code freeze}, the new classifier's input. */
    public static final String TRUNK_END = "avgpool";

    private FineTuning() {
    }

    public static ComputationGraph prepare(ComputationGraph base, int numClasses, TrainingRecipe recipe, int itersPerEpoch,
                                           int epochs, boolean freeze, long seed) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("fine-tuning needs at least 1 class, got " + numClasses);
        }
        if (base.getVertex(TRUNK_END) == null || base.getVertex(SKNet.LOGITS) == null) {
            throw new IllegalArgumentException("fine-tuning needs an SKNet graph with '" + TRUNK_END + "' and '"
                    + SKNet.LOGITS + "' vertices");
        }
        long features = base.getLayer(SKNet.LOGITS).getParam("W").size(0);
        FineTuneConfiguration.Builder ft = new FineTuneConfiguration.Builder().seed(seed)
                .updater(recipe.updater(itersPerEpoch, epochs));
        if (recipe.weightDecay() > 0) {
            // as TrainingRecipe#regularization: decoupled for AdamW, L2 in the gradient otherwise
            if (recipe.optimizer() == TrainingRecipe.Optimizer.ADAMW) {
                ft.weightDecay(recipe.weightDecay(), true);
            } else {
                ft.l2(recipe.weightDecay());
            }
        }
        if (recipe.clipGradient() > 0) {
            ft.gradientNormalization(GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(recipe.clipGradient());
        }
        FineTuneConfiguration applied = ft.build();
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(base).fineTuneConfiguration(applied);
        if (freeze) {
            b.setFeatureExtractor(TRUNK_END);
        }
        ComputationGraph tuned = b.removeVertexAndConnections(SKNet.OUTPUT)
                .removeVertexAndConnections(SKNet.LOGITS)
                .addLayer(SKNet.LOGITS, new Linear.Builder().nIn(features).nOut(numClasses)
                        .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build(), TRUNK_END)
                .addLayer(SKNet.OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), SKNet.LOGITS)
                .setOutputs(SKNet.OUTPUT).build();
        // DL4J's fine-tune configuration reaches only its own layer types: SameDiff layers (the convolutions)
        // get the recipe here, and the updater is built again from the changed configurations
        for (org.deeplearning4j.nn.api.Layer l : tuned.getLayers()) {
            if (l.conf().getLayer() instanceof AbstractSameDiffLayer sd) {
                sd.setUpdater(applied.getUpdater());
                sd.setBiasUpdater(null);
                sd.setRegularization(applied.getRegularization() == null ? new ArrayList<>()
                        : new ArrayList<>(applied.getRegularization()));
                sd.setRegularizationBias(new ArrayList<>());
                if (recipe.clipGradient() > 0) {
                    sd.setGradientNormalization(GradientNormalization.ClipL2PerLayer);
                    sd.setGradientNormalizationThreshold(recipe.clipGradient());
                }
            }
        }
        tuned.setUpdater(new ComputationGraphUpdater(tuned));
        return tuned;
    }
}
