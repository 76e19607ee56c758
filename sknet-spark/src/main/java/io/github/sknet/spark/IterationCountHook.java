package io.github.sknet.spark;

import java.io.IOException;
import java.io.ObjectOutputStream;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Gives each parameter-averaging worker the driver network's iteration count. Why: DL4J 1.0.0-M2 builds
 * every worker's network from a configuration clone that drops the count, so each averaging round
 * starts again at iteration 0. Adam's bias correction (and any learning-rate schedule) then behaves as
 * at the start of training in every round: Adam's steps stay about 3x too small. The count is read when
 * Spark serialises the round's job on the driver (after the previous round has advanced it) and applied
 * before the worker's first mini-batch.
 */
final class IterationCountHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    /** Driver side only. */
    private final transient ComputationGraph driverNetwork;
    /** The driver network's count when this copy was serialised. */
    private int iteration;
    /** Worker side: a deserialised copy serves one worker network. */
    private transient boolean applied;

    IterationCountHook(ComputationGraph driverNetwork) {
        this.driverNetwork = driverNetwork;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        if (driverNetwork != null) {
            iteration = driverNetwork.getIterationCount();
        }
        out.defaultWriteObject();
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    private void apply(Model model) {
        if (!applied && model instanceof ComputationGraph g) {
            g.getConfiguration().setIterationCount(iteration + g.getIterationCount());
            applied = true;
        }
    }
}
