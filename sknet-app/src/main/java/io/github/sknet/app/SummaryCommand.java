package io.github.sknet.app;

import java.util.Set;

import org.deeplearning4j.nn.conf.inputs.InputType;

import io.github.sknet.models.ModelStats;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/** {@code sknet summary}: the per-layer table of an architecture, from its configuration alone. */
final class SummaryCommand {
    static final String HELP = String.join("\n",
            "usage: sknet summary --arch A [--num-classes K] [--size S]",
            "  prints every layer's output shape, parameters and multiply-adds, then the totals");

    private SummaryCommand() {
    }

    static int run(String[] argv) {
        Args a = new Args("summary", argv, Set.of("--arch", "--num-classes", "--size"), Set.of("--verbose"));
        SKNetVariant v = TrainCommand.variant(a.required("--arch"));
        int classes = a.integer("--num-classes", v.defaultClasses(), 1);
        int size = a.integer("--size", v.defaultSize(), 1);
        try {
            ModelStats s = ModelStats.of(SKNet.builder(v).numClasses(classes).inputShape(3, size, size).conf(),
                    InputType.convolutional(size, size, 3));
            System.out.printf("%s, %d classes, input 3x%dx%d%n", v.id(), classes, size, size);
            System.out.print(s.table());
        } catch (IllegalArgumentException e) {
            throw CliException.usage("summary: " + e.getMessage());
        }
        return 0;
    }
}
