package io.github.sknet.models.cli;

import java.util.Arrays;
import java.util.Locale;

import io.github.sknet.layer.bench.SKConvBenchmark;

/** The {@code ./sknet} command. */
public final class Sknet {
    private static final String USAGE = String.join("\n",
            "usage: sknet <command> [options]",
            "",
            "commands:",
            "  demo            train a tiny graph with one SKConv on generated data; print loss, accuracy, attention",
            "  bench-skconv    SKConv / grouped-convolution timings (see tools/bench/skconv-vs-pytorch.sh)",
            "",
            "sknet <command> --help for a command's options");

    private Sknet() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "demo":
                System.exit(SKConvDemo.run(rest));
                break;
            case "bench-skconv":
                if (Arrays.asList(rest).contains("--help")) {
                    System.out.println("usage: sknet bench-skconv [--iters N] [--warmup N] [--pytorch torch.json] "
                            + "[--engine-compare]");
                    return;
                }
                SKConvBenchmark.main(rest);
                break;
            default:
                System.err.println("sknet: unknown command '" + args[0] + "'\n\n" + USAGE);
                System.exit(2);
        }
    }
}
