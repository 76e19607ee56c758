package io.github.sknet.layer.norm;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Recomputes every {@link BatchNorm}'s running statistics for the network's current weights ("precise
 * BatchNorm"): the exact average of the batch statistics over the given batches, in training-mode
 * forward passes that change no weight.
 *
 * <p>Why: the running statistics are an exponential average over the last ~1/momentum steps, taken
 * while the weights moved. After training at a high learning rate they describe older weights, and
 * inference-mode accuracy falls below the training-mode figure (measured on a folder of digit photos:
 * 93% vs 97% on the training images after 3 epochs of Adam at 2e-3, the same in PyTorch; SKConv's
 * attention BatchNorm, fed the pooled descriptor, was 0.12-0.18 standard deviations off, every other
 * BatchNorm under 0.03). Recomputing them removes the gap whatever the schedule.
 */
public final class BatchNormRecalibration {
    private BatchNormRecalibration() {
    }

    /**
     * Recalibrates {@code net} in place on up to {@code maxBatches} batches of {@code data} (reset
     * first and after). Returns the number of images used.
     */
    public static long recalibrate(ComputationGraph net, DataSetIterator data, int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("maxBatches must be >= 1, got " + maxBatches);
        }
        List<BatchNorm> confs = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof BatchNormLayer) {
                confs.add((BatchNorm) l.conf().getLayer());
            }
        }
        if (confs.isEmpty()) {
            return 0;
        }
        double[] momentum = new double[confs.size()];
        for (int i = 0; i < momentum.length; i++) {
            momentum[i] = confs.get(i).getMomentum();
        }
        long images = 0;
        int k = 0;
        try {
            data.reset();
            while (data.hasNext() && k < maxBatches) {
                DataSet ds = data.next();
                if (ds.numExamples() < 2) {
                    continue; // no batch statistics from one image
                }
                // momentum 1/(k+1) makes running = mean of the k+1 batch statistics seen so far
                for (BatchNorm c : confs) {
                    c.setMomentum(1.0 / (k + 1));
                }
                net.output(true, ds.getFeatures());
                images += ds.numExamples();
                k++;
            }
        } finally {
            for (int i = 0; i < momentum.length; i++) {
                confs.get(i).setMomentum(momentum[i]);
            }
            data.reset();
        }
        return images;
    }
}
