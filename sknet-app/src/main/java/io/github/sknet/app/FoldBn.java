package io.github.sknet.app;

import org.deeplearning4j.nn.graph.ComputationGraph;

import io.github.sknet.layer.fold.BatchNormFolding;

/**
 * {@code --fold-bn} of the inference commands: the graph as loaded, or a copy with BatchNorm folded into
 * the convolutions before it ({@link BatchNormFolding}). Folding is exact up to float rounding and
 * keeps every remaining vertex's name (the logits vertex included), so the commands run the folded
 * graph exactly as they run the original.
 */
final class FoldBn {
    static final String FLAG = "--fold-bn";
    static final String HELP =
            "  --fold-bn       fold each BatchNorm into the convolution (or dense layer) before it and run that\n"
            + "                  inference-only graph: fewer passes over the data, same results up to float rounding";

    private FoldBn() {
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
