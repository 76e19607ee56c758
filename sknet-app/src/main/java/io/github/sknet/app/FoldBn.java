package io.github.sknet.app;

import org.deeplearning4j.nn.graph.ComputationGraph;

import io.github.sknet.layer.fold.BatchNormFolding;
import io.github.sknet.layer.graph.InferenceWeights;
import io.github.sknet.layer.graph.WorkspaceLearning;

/**
 * BatchNorm folding in the inference commands. {@code predict} and {@code evaluate} run the model with
 * BatchNorm folded into the convolutions before it ({@link BatchNormFolding}) unless {@code --no-fold-bn}
 * is given: folding is exact up to float rounding, keeps every remaining vertex's name (the logits
 * vertex included), and saves one pass over the data per BatchNorm (SKNet-50 b8: 1.08x PyTorch's
 * throughput folded, 0.90x not). {@code bench} folds only with {@code --fold-bn}, so that its default
 * figures stay those of the graph as trained.
 */
final class FoldBn {
    static final String FLAG = "--fold-bn";
    static final String UNFOLDED = "--no-fold-bn";
    static final String HELP =
            "  --fold-bn       fold each BatchNorm into the convolution (or dense layer) before it and run that\n"
            + "                  inference-only graph: fewer passes over the data, same results up to float rounding";
    static final String INFERENCE_HELP =
            "  --no-fold-bn    run the graph as it is stored; by default each BatchNorm is folded into the\n"
            + "                  convolution (or dense layer) before it: fewer passes over the data, same results up\n"
            + "                  to float rounding (--fold-bn, the default, is accepted too)";

    private FoldBn() {
    }

    /** Whether {@code command} folds: unless {@code --no-fold-bn}; checked with the other arguments, before any work. */
    static boolean wanted(String command, Args a) {
        if (a.flag(FLAG) && a.flag(UNFOLDED)) {
            throw CliException.usage(command + ": " + FLAG + " and " + UNFOLDED + " contradict each other");
        }
        return !a.flag(UNFOLDED);
    }

    /**
     * The graph {@code predict}, {@code evaluate} and {@code bench} (inference) run: folded if {@code fold},
     * its workspaces sized after one pass (a short run would otherwise spend its first ~15 passes learning
     * them), its convolutions' weights converted for oneDNN, and its BatchNorms' scale and shift computed,
     * once instead of on every pass.
     */
    static ComputationGraph forInference(ComputationGraph loaded, boolean fold) {
        return InferenceWeights.keep(WorkspaceLearning.settleAfterOnePass(apply(loaded, fold)));
    }

    /** {@code g} itself, or its folded copy (printing how many BatchNorms went). */
    static ComputationGraph apply(ComputationGraph g, boolean fold) {
        if (!fold) {
            return g;
        }
        int folded = BatchNormFolding.foldablePairs(g.getConfiguration()).size();
        ComputationGraph out = BatchNormFolding.fold(g);
        System.out.printf("BatchNorm folded: %d of %d BatchNorm layers%n", folded, folded + BatchNormFolding.batchNorms(out.getConfiguration()));
        return out;
    }
}
