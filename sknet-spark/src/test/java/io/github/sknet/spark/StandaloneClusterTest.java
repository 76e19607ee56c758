package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.SKNetModelFile;

/**
 * The {@code -all} jar (built by this module's build before the tests) submitted with SparkSubmit to a
 * Spark standalone cluster of a master and two one-core workers, each a process of its own, executors in
 * JVMs of their own, oneDNN enabled: both training masters against one machine on the same images,
 * epochs and effective batch; a lost executor; an unreachable master.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterTest {
    static final int SIZE = 16, TRAIN = 960, HELD_OUT = 400, WORKER_BATCH = 16, WORKERS = 2, EPOCHS = 3, AVERAGING = 2;
    static final long SEED = 42;
    static final Pattern EPOCH = Pattern.compile("^epoch (\\d+)/\\d+: score ([0-9.]+), ([0-9.]+) s$", Pattern.MULTILINE);
    static final Pattern ACCURACY = Pattern.compile("^held-out accuracy: ([0-9.]+)$", Pattern.MULTILINE);

    private final Path dir = SparkTestContext.target("cluster");
    private Path allJar;
    private SparkCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            allJar = s.filter(p -> p.getFileName().toString().matches("sknet-spark-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/sknet-spark-*-all.jar: the module's build "
                            + "shades it before the tests (process-test-classes)")).toAbsolutePath();
        }
        cluster = SparkCluster.start(dir, WORKERS, 1, "2g");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
            assertTrue(cluster.stopped(), "master, workers and executors have all ended");
        }
    }

    @Test
    void bothTrainingMastersOnTheClusterLearnAsWellAsOneMachine() throws Exception {
        Run pa = submit("pa", List.of(), "--averaging", String.valueOf(AVERAGING));
        assertEquals(0, pa.exit, "parameter averaging on the cluster:\n" + pa.tail());
        // a free port: SharedTrainingMasterTest's parameter server may still hold 40123 in this JVM
        Run shared = submit("shared", List.of(), "--shared", "--shared-port", String.valueOf(freeUdpPort()));
        assertEquals(0, shared.exit, "shared training master on the cluster:\n" + shared.tail());

        double[] one = oneMachine();
        System.out.printf(Locale.ROOT, "cluster (2 workers x 1 core, executors in own JVMs, -all jar, oneDNN on), "
                + "%d images %dx%d, %d epochs, 2 x batch %d: parameter averaging %.4f (epochs %s s), shared training "
                + "master %.4f (epochs %s s); one machine, batch %d: %.4f (%.1f s per epoch)%n", TRAIN, SIZE, SIZE, EPOCHS,
                WORKER_BATCH, pa.accuracy(), pa.epochSeconds(), shared.accuracy(), shared.epochSeconds(),
                WORKERS * WORKER_BATCH, one[0], one[1]);
        for (Run r : List.of(pa, shared)) {
            // the fast path: sknet's oneDNN helpers loaded from the -all jar on the driver and in every executor
            assertTrue(r.text.contains("oneDNN helpers: driver on; executors [on]"), r.tail());
            ComputationGraph g = SKNetModelFile.load(r.out, false);
            assertEquals(new SKNetModelFile.Meta("sknet_small", SIZE, new SyntheticShapes(SIZE, SEED).classNames(), EPOCHS),
                    SKNetModelFile.meta(r.out, g));
            // the model written is the one evaluated on the cluster
            assertEquals(r.accuracy(), g.evaluate(new ListDataSetIterator<>(heldOut(), 100)).accuracy(), 1e-9);
        }
        assertTrue(pa.accuracy() >= one[0] - 0.01, "parameter averaging on the cluster " + pa.accuracy()
                + " within a point of one machine's " + one[0]);
        assertTrue(shared.accuracy() >= one[0] - 0.01, "shared training master on the cluster " + shared.accuracy()
                + " within a point of one machine's " + one[0]);
    }

    @Test
    void aKilledExecutorIsReplacedAndItsTasksRetried() throws Exception {
        Path log = dir.resolve("killed.log");
        Path out = dir.resolve("killed.zip");
        Files.deleteIfExists(out);
        awaitPreviousExecutorsGone();
        Process p = cluster.submit(allJar, SparkTrainMain.class.getName(), conf("killed", List.of()),
                args(out, "--averaging", "1"), log);
        killAnExecutorDuringTheSecondEpoch(p, log);
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), "the run ends");
        String text = Files.readString(log);
        assertTrue(text.contains("Lost executor"), "the driver saw the executor go:\n" + SparkCluster.tail(log, 40));
        assertEquals(0, p.exitValue(), "tasks of the lost executor are retried and the run completes:\n"
                + SparkCluster.tail(log, 40));
        Matcher acc = ACCURACY.matcher(text);
        assertTrue(acc.find(), text);
        ComputationGraph g = SKNetModelFile.load(out, false);
        assertEquals(Double.parseDouble(acc.group(1)), g.evaluate(new ListDataSetIterator<>(heldOut(), 100)).accuracy(),
                1e-9);
        assertTrue(Double.parseDouble(acc.group(1)) > 0.5, "it still learnt: " + acc.group(1));
    }

    @Test
    void aKilledExecutorWithoutRetriesFailsWithOneLineAndWritesNoModel() throws Exception {
        Path log = dir.resolve("no-retry.log");
        Path out = Files.createDirectories(dir.resolve("no-retry")).resolve("model.zip");
        Files.deleteIfExists(out);
        awaitPreviousExecutorsGone();
        Process p = cluster.submit(allJar, SparkTrainMain.class.getName(),
                conf("no-retry", List.of("spark.task.maxFailures=1")), args(out, "--averaging", "1"), log);
        killAnExecutorDuringTheSecondEpoch(p, log);
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), "the run ends");
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, p.exitValue(), SparkCluster.tail(log, 40));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("sknet-spark: training failed, no model written: ")
                && l.contains("ExecutorLostFailure")), "one line says why:\n" + SparkCluster.tail(log, 40));
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.toList(), "no model, no half-written or temporary file");
        }
    }

    @Test
    void anUnreachableMasterIsNamedAtOnce() throws Exception {
        Path log = dir.resolve("unreachable.log");
        Path out = dir.resolve("unreachable.zip");
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        long t0 = System.nanoTime();
        Process p = SparkCluster.submit("spark://127.0.0.1:" + port, cluster.sparkHome(), allJar,
                SparkTrainMain.class.getName(), conf("unreachable", List.of()), args(out), log);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "it gives up");
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, p.exitValue(), SparkCluster.tail(log, 20));
        assertTrue(lines.contains("sknet-spark: cannot reach the Spark master spark://127.0.0.1:" + port + " (127.0.0.1:"
                + port + ": Connection refused): is it running, and are host and port those its log shows?"),
                SparkCluster.tail(log, 20));
        assertFalse(Files.exists(out));
        assertTrue(seconds < 60, "before Spark's own minute of retries: " + seconds + " s");
    }

    private static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until worker 0 runs no executor: the previous test's application can end before its executors
     * have exited, and one still shutting down next to this run's first executor is two at a time (the
     * likely cause of the check below failing once, 8 s into a run; not reproduced).
     */
    private void awaitPreviousExecutorsGone() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!SparkCluster.executors(cluster.workers().get(0)).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "worker 0's executors of the previous application exit within 60 s");
            Thread.sleep(50);
        }
    }

    /**
     * After the driver has logged the end of the first epoch, kills worker 0's executor while the driver has a
     * training task running on it: a killed executor fails a task only if it was running one, and between
     * training stages (short stages of counts and broadcasts) it often is not. If the task had ended before the
     * kill, the worker's next executor is killed the same way, up to five times.
     */
    private void killAnExecutorDuringTheSecondEpoch(Process driver, Path log) throws Exception {
        DriverTaskLog tasks = new DriverTaskLog(log, "epoch 1/" + EPOCHS + ":");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        for (int kills = 0; kills < 5; kills++) {
            String id;
            while (true) {
                assertTrue(driver.isAlive(), "the run is still going:\n" + SparkCluster.tail(log, 40));
                assertTrue(System.nanoTime() < deadline, "a training task on worker 0 after the first epoch, within 4 "
                        + "minutes:\n" + SparkCluster.tail(log, 40));
                tasks.update();
                List<ProcessHandle> executors = SparkCluster.executors(cluster.workers().get(0));
                assertTrue(executors.size() <= 1, "worker 0 runs one executor at a time");
                if (!executors.isEmpty() && tasks.markerSeen()) {
                    id = executorId(executors.get(0));
                    if (tasks.runsTrainingTask(id)) {
                        executors.get(0).destroyForcibly();
                        executors.get(0).onExit().get(30, TimeUnit.SECONDS);
                        break;
                    }
                }
                Thread.sleep(10);
            }
            // the driver sees the executor go, and says at once which of its tasks were lost with it
            long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!tasks.lostExecutor(id)) {
                assertTrue(System.nanoTime() < seen, "the driver saw executor " + id + " go:\n" + SparkCluster.tail(log, 40));
                Thread.sleep(50);
                tasks.update();
            }
            Thread.sleep(2000);
            tasks.update();
            if (tasks.taskLostWithExecutor()) {
                return;
            }
        }
        throw new AssertionError("five executors killed, none while running a task:\n" + SparkCluster.tail(log, 40));
    }

    private static String executorId(ProcessHandle executor) {
        Matcher m = Pattern.compile("--executor-id (\\S+)").matcher(executor.info().commandLine().orElse(""));
        assertTrue(m.find(), "an executor's command line names its id: " + executor.info().commandLine());
        return m.group(1);
    }

    private Run submit(String name, List<String> extraConf, String... extraArgs) throws Exception {
        Path log = dir.resolve(name + ".log");
        Path out = dir.resolve(name + ".zip");
        Files.deleteIfExists(out);
        Process p = cluster.submit(allJar, SparkTrainMain.class.getName(), conf(name, extraConf), args(out, extraArgs),
                log);
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(name + " did not end within 8 minutes:\n" + SparkCluster.tail(log, 40));
        }
        return new Run(p.exitValue(), log, out, Files.readString(log));
    }

    private List<String> conf(String name, List<String> extra) {
        String flags = SparkCluster.JVM_FLAGS + " -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=5G";
        List<String> c = new ArrayList<>(List.of("spark.ui.enabled=false", "spark.driver.host=127.0.0.1",
                "spark.driver.bindAddress=127.0.0.1", "spark.executor.memory=1g", "spark.executor.cores=1",
                "spark.cores.max=" + WORKERS,
                // DL4J's export directory (under hadoop.tmp.dir): one folder all processes of this machine share
                "spark.hadoop.hadoop.tmp.dir=" + dir.resolve("hadoop-tmp"),
                "spark.driver.extraJavaOptions=" + flags + " -Daeron.dir=" + dir.resolve("aeron/" + name + "-driver"),
                // every executor JVM its own Aeron directory ({{EXECUTOR_ID}} is Spark's)
                "spark.executor.extraJavaOptions=" + flags + " -Daeron.dir=" + dir.resolve("aeron/" + name)
                        + "-{{EXECUTOR_ID}}"));
        c.addAll(extra);
        return c;
    }

    private static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--arch", "sknet_small", "--data", "synthetic", "--size", String.valueOf(SIZE),
                "--epochs", String.valueOf(EPOCHS), "--batch", String.valueOf(WORKER_BATCH), "--workers",
                String.valueOf(WORKERS), "--train-images", String.valueOf(TRAIN), "--held-out-images",
                String.valueOf(HELD_OUT), "--seed", String.valueOf(SEED), "--lr", "0.002", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    /**
     * One machine, plain ComputationGraph.fit, on the images the two workers trained on (SparkTrainMain's
     * synthetic data, drawn here without Spark), the worker batches of a step side by side in one batch of
     * 2 x 16 = 32 (the effective batch of two workers), the same epochs. Returns accuracy, seconds per epoch.
     */
    private static double[] oneMachine() {
        List<List<DataSet>> parts = new ArrayList<>();
        for (int p = 0; p < WORKERS; p++) {
            List<DataSet> part = new ArrayList<>();
            Iterator<DataSet> it = SparkData.syntheticShapesPartition(p, TRAIN, SIZE, WORKER_BATCH, SEED, WORKERS);
            it.forEachRemaining(part::add);
            parts.add(part);
        }
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < parts.get(0).size(); i++) {
            List<DataSet> step = new ArrayList<>();
            for (List<DataSet> part : parts) {
                if (i < part.size()) {
                    step.add(part.get(i));
                }
            }
            batches.add(DataSet.merge(step));
        }
        ComputationGraph net = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, SIZE, SIZE).seed(SEED)
                .updater(new Adam(2e-3)).build().init();
        long t0 = System.nanoTime();
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                net.fit(b);
            }
        }
        double perEpoch = (System.nanoTime() - t0) / 1e9 / EPOCHS;
        return new double[] {net.evaluate(new ListDataSetIterator<>(heldOut(), 100)).accuracy(), perEpoch};
    }

    /** SparkTrainMain's held-out images: the synthetic generator with seed + 1, in worker batches. */
    private static List<DataSet> heldOut() {
        List<DataSet> all = new ArrayList<>();
        for (int p = 0; p < WORKERS; p++) {
            SparkData.syntheticShapesPartition(p, HELD_OUT, SIZE, WORKER_BATCH, SEED + 1, WORKERS).forEachRemaining(all::add);
        }
        return DataSet.merge(all).asList();
    }

    private record Run(int exit, Path log, Path out, String text) {
        double accuracy() {
            Matcher m = ACCURACY.matcher(text);
            if (!m.find()) {
                throw new AssertionError("no held-out accuracy in " + log + ":\n" + tail());
            }
            return Double.parseDouble(m.group(1));
        }

        List<Double> epochSeconds() {
            List<Double> s = new ArrayList<>();
            Matcher m = EPOCH.matcher(text);
            while (m.find()) {
                s.add(Double.parseDouble(m.group(3)));
            }
            return s;
        }

        String tail() {
            return SparkCluster.tail(log, 40);
        }
    }
}
