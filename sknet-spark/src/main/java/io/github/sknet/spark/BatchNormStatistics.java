package io.github.sknet.spark;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

import io.github.sknet.layer.norm.BatchNorm;

/**
 * Re-estimates the running statistics of every sknet {@link BatchNorm} from a few mini-batches ("precise
 * BN"): the k-th batch enters the running average with weight 1/k, so the result is the plain mean of the
 * batches' means and unbiased variances. Why: sknet's BatchNorm updates its running statistics in the
 * forward pass, as PyTorch does; gradient sharing (SharedTrainingMaster) exchanges only parameter updates,
 * so the statistics the workers compute never reach the driver's network, whose inference output is then
 * normalised with statistics close to their initial values (0, 1).
 */
final class BatchNormStatistics {
    private BatchNormStatistics() {
    }

    static void recompute(ComputationGraph net, List<DataSet> batches) {
        List<BatchNorm> norms = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer() instanceof BatchNorm bn) {
                norms.add(bn);
            }
        }
        if (norms.isEmpty() || batches.isEmpty()) {
            return;
        }
        double[] momentum = norms.stream().mapToDouble(BatchNorm::getMomentum).toArray();
        try {
            for (int k = 0; k < batches.size(); k++) {
                for (BatchNorm bn : norms) {
                    bn.setMomentum(1.0 / (k + 1));
                }
                // training-mode forward: updates the running statistics, changes no weight
                net.feedForward(batches.get(k).getFeatures(), true);
            }
        } finally {
            for (int i = 0; i < norms.size(); i++) {
                norms.get(i).setMomentum(momentum[i]);
            }
            net.clearLayersStates();
        }
    }
}
