package io.github.sknet.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.options.CommandLineOptions;

/**
 * The command line of {@link SparkTrainMain}, parsed and checked before Spark starts, so that a typo
 * costs no cluster time. Errors are {@link IllegalArgumentException}s naming the option.
 */
record SparkTrainArgs(SKNetVariant arch, String data, int size, int epochs, int batch, int workers, Path out,
        boolean shared, double lr, long seed, int trainImages, int heldOutImages, int averaging, String eval,
        boolean noLrScaling, int sharedPort) {

    static final String SYNTHETIC = "synthetic";

    static final String HELP = String.join("\n",
            "usage: spark-submit --class io.github.sknet.spark.SparkTrainMain sknet-spark-VERSION-all.jar",
            "           [--arch A] [--data DIR|synthetic] [--size S] [--epochs N] [--batch B] [--workers W]",
            "           [--out M.zip] [--shared] [--lr LR] [--seed N] [--averaging F] [--eval DIR]",
            "           [--train-images N] [--held-out-images N]",
            "  --arch A              sknet_small (default), sknet_cifar, sknet26, sknet50, sknet101, skresnet18, ...",
            "  --data DIR|synthetic  image folder on the driver, one sub-folder per class (default: synthetic shapes)",
            "  --size S              input size in pixels (default 32)",
            "  --epochs N            epochs (default 3)",
            "  --batch B             mini-batch size per worker (default 32)",
            "  --workers W           RDD partitions (default: Spark's default parallelism)",
            "  --out M.zip           model file, readable by the sknet command (default sknet-spark-model.zip)",
            "  --shared              SharedTrainingMaster (gradient sharing) instead of parameter averaging",
            "  --lr LR               Adam learning rate (default 0.002)",
            "  --seed N              seed (default 42)",
            "  --averaging F         parameter averaging every F mini-batches per worker (default 5)",
            "  --no-lr-scaling       keep --lr as it is (default: --lr x the number of workers)",
            "  --shared-port P       --shared: the driver's Aeron UDP port (default 40123)",
            "  --eval DIR            held-out image folder to evaluate on (image data)",
            "  --train-images N      synthetic data: training images (default 4000)",
            "  --held-out-images N   synthetic data: held-out images (default 1000)");

    private static final Set<String> VALUED = Set.of("--arch", "--data", "--size", "--epochs", "--batch", "--workers",
            "--out", "--lr", "--seed", "--train-images", "--held-out-images", "--averaging", "--eval", "--shared-port");
    private static final Set<String> FLAGS = Set.of("--shared", "--no-lr-scaling", "--help");

    boolean synthetic() {
        return SYNTHETIC.equals(data);
    }

    /** @return null for --help */
    static SparkTrainArgs parse(String... argv) {
        CommandLineOptions v = new CommandLineOptions(argv, VALUED, FLAGS, "", "--help", IllegalArgumentException::new);
        if (v.flag("--help")) {
            return null;
        }
        SKNetVariant arch;
        try {
            arch = SKNetVariant.byId(v.string("--arch", "sknet_small"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--arch: " + e.getMessage());
        }
        String data = v.string("--data", SYNTHETIC);
        String eval = v.string("--eval", null);
        // read on the driver: a missing folder fails here, before Spark starts
        if (!SYNTHETIC.equals(data) && !Files.isDirectory(Path.of(data))) {
            throw new IllegalArgumentException("--data: folder not found: " + data);
        }
        if (eval != null && !Files.isDirectory(Path.of(eval))) {
            throw new IllegalArgumentException("--eval: folder not found: " + eval);
        }
        if (eval != null && SYNTHETIC.equals(data)) {
            throw new IllegalArgumentException("--eval: only with --data DIR (synthetic data has its own held-out set)");
        }
        return new SparkTrainArgs(arch, data, v.integer("--size", 32, 16), v.integer("--epochs", 3, 1),
                v.integer("--batch", 32, 1), v.integer("--workers", 0, 1),
                Path.of(v.string("--out", "sknet-spark-model.zip")), v.flag("--shared"), v.decimal("--lr", 2e-3),
                v.integer("--seed", 42, 0), v.integer("--train-images", 4000, 1),
                v.integer("--held-out-images", 1000, 1), v.integer("--averaging", 5, 1), eval,
                v.flag("--no-lr-scaling"), v.integer("--shared-port", 40123, 1));
    }
}
