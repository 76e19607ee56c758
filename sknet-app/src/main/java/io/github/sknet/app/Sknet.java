package io.github.sknet.app;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.sknet.app.bench.SKConvBenchmark;

/** The {@code ./sknet} command: one-line errors and exit codes (2 bad arguments, 1 failures); --verbose for traces. */
public final class Sknet {
    private static final String USAGE = String.join("\n",
            "usage: sknet <command> [options]    (sknet <command> --help for its options)",
            "",
            "  train          train an SKNet on built-in synthetic shapes or an image folder",
            "  evaluate       accuracy, per-class table and confusion matrix on an image folder",
            "  predict        raw logits for an .npy batch, or top-5 classes of images",
            "  import-torch   a PyTorch SKNet state_dict (.npz/.safetensors/.pth; reference or timm) into a model zip",
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
                System.out.println(command(cmd).help);
                return 0;
            }
            Command command = command(cmd);
            BlasThreads.useOne();
            return command.runner.run(rest);
        } catch (CliException e) {
            System.err.println("sknet " + cmd + ": " + e.getMessage());
            if (verbose && e.getCause() != null) {
                e.getCause().printStackTrace();
            }
            return e.exitCode;
        } catch (io.github.sknet.models.InputTooSmallException e) {
            // a --size the architecture cannot take is a usage error in every command (train's included)
            System.err.println("sknet " + cmd + ": " + e.getMessage());
            if (verbose) {
                e.printStackTrace();
            }
            return 2;
        } catch (Exception | OutOfMemoryError e) {
            System.err.println("sknet " + cmd + ": " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + (verbose ? "" : " (--verbose for details)"));
            if (verbose) {
                e.printStackTrace();
            }
            return 1;
        }
    }

    /** A subcommand: its usage text and what runs it. */
    private static final class Command {
        final String help;
        final Runner runner;

        Command(String help, Runner runner) {
            this.help = help;
            this.runner = runner;
        }
    }

    private interface Runner {
        int run(String[] args) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = Map.of(
            "train", new Command(TrainCommand.HELP, TrainCommand::run),
            "evaluate", new Command(EvaluateCommand.HELP, EvaluateCommand::run),
            "predict", new Command(PredictCommand.HELP, PredictCommand::run),
            "import-torch", new Command(ImportTorchCommand.HELP, ImportTorchCommand::run),
            "summary", new Command(SummaryCommand.HELP, SummaryCommand::run),
            "bench", new Command(BenchCommand.HELP, BenchCommand::run),
            "attention", new Command(AttentionCommand.HELP, AttentionCommand::run),
            "demo", new Command("usage: sknet demo [--epochs N] [--seed S]", SKConvDemo::run),
            "bench-skconv", new Command(SKConvBenchmark.HELP, SKConvBenchmark::run));

    private static Command command(String name) {
        Command c = COMMANDS.get(name);
        if (c == null) {
            throw CliException.usage("unknown command '" + name + "' (sknet --help lists the commands)");
        }
        return c;
    }
}
