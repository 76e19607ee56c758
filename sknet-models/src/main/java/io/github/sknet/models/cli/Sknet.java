package io.github.sknet.models.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.github.sknet.layer.bench.SKConvBenchmark;

/** The {@code ./sknet} command: one-line errors and exit codes (2 bad arguments, 1 failures); --verbose for traces. */
public final class Sknet {
    private static final String USAGE = String.join("\n",
            "usage: sknet <command> [options]    (sknet <command> --help for its options)",
            "",
            "  train          train an SKNet on built-in synthetic shapes or an image folder",
            "  evaluate       accuracy, per-class table and confusion matrix on an image folder",
            "  predict        raw logits for an .npy batch, or top-5 classes of images",
            "  import-torch   a reference PyTorch SKNet state_dict (.npz) into a DL4J model zip",
            "  summary        per-layer output shapes, parameters and multiply-adds of an architecture",
            "  attention      SK attention vs object scale per SK unit (the paper's Fig. 3): CSV + PNG",
            "  bench          whole-network inference / training timings and memory",
            "  demo           a tiny graph with one SKConv on generated data: loss, accuracy, attention",
            "  bench-skconv   SKConv and grouped-convolution timings (tools/bench/skconv-vs-pytorch.sh)");

    private Sknet() {
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    static int run(String[] args) {
        List<String> all = Arrays.asList(args);
        boolean verbose = all.contains("--verbose");
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String cmd = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            if (all.contains("--help")) {
                System.out.println(help(cmd));
                return 0;
            }
            switch (cmd) {
                case "train":
                    return TrainCommand.run(rest);
                case "evaluate":
                    return EvaluateCommand.run(rest);
                case "predict":
                    return PredictCommand.run(rest);
                case "import-torch":
                    return ImportTorchCommand.run(rest);
                case "summary":
                    return SummaryCommand.run(rest);
                case "bench":
                    return BenchCommand.run(rest);
                case "attention":
                    return AttentionCommand.run(rest);
                case "demo":
                    return SKConvDemo.run(rest);
                case "bench-skconv":
                    SKConvBenchmark.main(rest);
                    return 0;
                default:
                    throw CliException.usage("unknown command '" + cmd + "' (sknet --help lists the commands)");
            }
        } catch (CliException e) {
            System.err.println("sknet " + cmd + ": " + e.getMessage());
            if (verbose && e.getCause() != null) {
                e.getCause().printStackTrace();
            }
            return e.exitCode;
        } catch (Exception | OutOfMemoryError e) {
            System.err.println("sknet " + cmd + ": " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + (verbose ? "" : " (--verbose for details)"));
            if (verbose) {
                e.printStackTrace();
            }
            return 1;
        }
    }

    private static String help(String cmd) {
        switch (cmd) {
            case "train":
                return TrainCommand.HELP;
            case "evaluate":
                return EvaluateCommand.HELP;
            case "predict":
                return PredictCommand.HELP;
            case "import-torch":
                return ImportTorchCommand.HELP;
            case "summary":
                return SummaryCommand.HELP;
            case "bench":
                return BenchCommand.HELP;
            case "attention":
                return AttentionCommand.HELP;
            case "demo":
                return "usage: sknet demo [--epochs N] [--seed S]";
            case "bench-skconv":
                return "usage: sknet bench-skconv [--iters N] [--warmup N] [--pytorch torch.json] [--engine-compare]";
            default:
                throw CliException.usage("unknown command '" + cmd + "' (sknet --help lists the commands)");
        }
    }
}
