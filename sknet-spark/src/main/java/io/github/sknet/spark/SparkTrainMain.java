package io.github.sknet.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.models.data.SyntheticShapes;

/**
 * {@code spark-submit} entry point: trains an SKNet on synthetic shapes or an image folder with
 * {@link SparkSKNetTrainer}, evaluates on held-out data and writes a model zip the {@code sknet} command
 * reads. Takes the SparkContext spark-submit configured ({@code SparkContext.getOrCreate}); run with plain
 * {@code java} it falls back to {@code local[*]}. Bad arguments: one line on stderr, exit code 2.
 */
public final class SparkTrainMain {
    private SparkTrainMain() {
    }

    public static void main(String[] argv) throws Exception {
        SparkTrainArgs a;
        try {
            a = SparkTrainArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("sknet-spark: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (a == null) {
            System.out.println(SparkTrainArgs.HELP);
            return;
        }
        SparkConf conf = new SparkConf().setAppName("sknet-spark-train");
        // spark-submit sets spark.master; without it (plain java) train in-process on every core
        conf.setIfMissing("spark.master", "local[*]");
        String unreachable = unreachableMaster(conf.get("spark.master"), 5000);
        if (unreachable != null) {
            // Spark itself would retry in the background for a minute and then fail every job with
            // "All masters are unresponsive"; say so at once
            System.err.println("sknet-spark: " + unreachable);
            System.exit(2);
            return;
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
        int code;
        try {
            code = run(sc, a);
        } catch (IllegalArgumentException e) {
            System.err.println("sknet-spark: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            // a failed Spark job (e.g. lost executors beyond spark.task.maxFailures): one line, exit 1; the
            // model file is written only after training and evaluation succeeded, atomically, so none is left
            e.printStackTrace();
            System.err.println("sknet-spark: training failed, no model written: " + rootMessage(e));
            code = 1;
        } finally {
            sc.stop();
        }
        // exit explicitly: SharedTrainingMaster leaves non-daemon (Aeron) threads behind
        System.exit(code);
    }

    /**
     * For a standalone master URL ({@code spark://host:port}, or several comma-separated for standby
     * masters): null if one of them accepts a connection within {@code timeoutMillis}, else the message.
     * Other masters (local, yarn, k8s) are not checked.
     */
    static String unreachableMaster(String master, int timeoutMillis) {
        if (master == null || !master.startsWith("spark://")) {
            return null;
        }
        List<String> failures = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                return "bad Spark master URL " + master + ": the port of " + hostPort + " is not a number";
            }
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), timeoutMillis);
                return null;
            } catch (IOException e) {
                failures.add(hostPort + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        return "cannot reach the Spark master " + master + " (" + String.join("; ", failures)
                + "): is it running, and are host and port those its log shows?";
    }

    /** Whether sknet-layer's oneDNN helpers run in this JVM, and if not why. */
    static String oneDnn() {
        if (OneDnn.isAvailable()) {
            return "on";
        }
        return "off (" + ("false".equals(System.getProperty("sknet.onednn")) ? "-Dsknet.onednn=false"
                : OneDnn.loadError()) + ")";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String first = t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse("");
        return root == t ? first : first + " (cause: " + root + ")";
    }

    /** The work of {@link #main}, on a context the caller owns (tests, notebooks). */
    static int run(JavaSparkContext sc, SparkTrainArgs a) throws Exception {
        int workers = a.workers() > 0 ? a.workers() : sc.defaultParallelism();
        System.out.println("oneDNN helpers: driver " + oneDnn() + "; executors "
                + sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers).map(i -> oneDnn()).distinct()
                        .collect());
        JavaRDD<DataSet> train, heldOut = null;
        List<String> classes;
        if (a.synthetic()) {
            classes = new SyntheticShapes(a.size(), a.seed()).classNames();
            train = SparkData.syntheticShapes(sc, a.trainImages(), a.size(), a.batch(), a.seed(), workers).cache();
            // another seed: images the network has not seen
            heldOut = SparkData.syntheticShapes(sc, a.heldOutImages(), a.size(), a.batch(), a.seed() + 1, workers);
        } else {
            classes = SparkData.imageFolderClasses(a.data());
            train = SparkData.imageFolder(sc, a.data(), a.size(), a.batch()).repartition(workers).cache();
            if (a.eval() != null) {
                List<String> evalClasses = SparkData.imageFolderClasses(a.eval());
                if (!evalClasses.equals(classes)) {
                    throw new IllegalArgumentException("--eval: the folder's classes " + evalClasses
                            + " differ from the training data's " + classes);
                }
                heldOut = SparkData.imageFolder(sc, a.eval(), a.size(), a.batch());
            }
        }
        SparkSKNetTrainer trainer = SparkSKNetTrainer.builder(sc).variant(a.arch()).numClasses(classes.size())
                .inputShape(3, a.size(), a.size()).batchSizePerWorker(a.batch()).averagingFrequency(a.averaging())
                .epochs(a.epochs()).seed(a.seed()).updater(new Adam(a.lr())).sharedTrainingMaster(a.shared())
                .scaleLearningRate(!a.noLrScaling()).sharedNetwork(null, null, a.sharedPort()).build();
        trainer.fit(train);
        for (int e = 0; e < a.epochs(); e++) {
            printLine("epoch %d/%d: score %.4f, %.1f s", e + 1, a.epochs(), trainer.epochScores().get(e),
                    trainer.epochSeconds().get(e));
        }
        if (heldOut != null) {
            Evaluation ev = trainer.evaluate(heldOut);
            printLine("held-out accuracy: %.4f", ev.accuracy());
        }
        trainer.save(a.out(), classes);
        System.out.println("wrote " + a.out());
        train.unpersist();
        return 0;
    }

    /**
     * One line to stdout in one write. {@code printf} writes (and, System.out flushing on every write, sends)
     * each piece of the format on its own, so Spark's log on stderr, when both go to one file, could land
     * in the middle of the line.
     */
    private static void printLine(String format, Object... args) {
        System.out.print(String.format(Locale.ROOT, format, args) + System.lineSeparator());
    }
}
