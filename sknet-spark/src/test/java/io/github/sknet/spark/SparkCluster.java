package io.github.sknet.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on this machine, each part its own process as on a real cluster: Spark's
 * {@code Master} and {@code Worker}s from the spark-core jar, loopback only, on free ports; the workers
 * start executors in JVMs of their own with the jars of {@code SPARK_HOME/jars}, and applications are
 * submitted with {@code SparkSubmit} (what the {@code spark-submit} script runs) in another process.
 *
 * <p>{@code SPARK_HOME/jars} is made from the test classpath without this project's, DL4J's, ND4J's,
 * DataVec's and JavaCPP's jars: Spark, Scala, Hadoop and their dependencies, what a Spark distribution
 * ships. Everything else executors and driver get from the application's {@code -all} jar only.
 */
final class SparkCluster implements AutoCloseable {
    /** Spark on JDK 17 (the surefire flags of this module): for the daemons, the driver and the executors. */
    static final String JVM_FLAGS = System.getProperty("sknet.spark.jvm.flags", "");

    private final Path dir;
    private final Path sparkHome;
    private final int masterPort;
    private final int masterUiPort;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();

    private SparkCluster(Path dir) throws IOException {
        this.dir = dir;
        this.sparkHome = sparkHome(dir.resolve("spark-home"));
        this.masterPort = freePort();
        this.masterUiPort = freePort();
    }

    /** Starts a master and {@code workers} workers of {@code cores} cores and {@code memory} each. */
    static SparkCluster start(Path dir, int workers, int cores, String memory) throws Exception {
        Files.createDirectories(dir);
        SparkCluster c = new SparkCluster(dir);
        try {
            c.daemons.add(c.daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(c.masterPort), "--webui-port", String.valueOf(c.masterUiPort)));
            c.awaitAliveWorkers(0, Duration.ofSeconds(60));
            for (int i = 0; i < workers; i++) {
                Path work = Files.createDirectories(dir.resolve("worker-" + i));
                Process w = c.daemon("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()), "--cores",
                        String.valueOf(cores), "--memory", memory, "--work-dir", work.toString(), c.masterUrl());
                c.daemons.add(w);
                c.workers.add(w);
            }
            c.awaitAliveWorkers(workers, Duration.ofSeconds(90));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path sparkHome() {
        return sparkHome;
    }

    /** The worker processes, in start order. */
    List<Process> workers() {
        return workers;
    }

    /** Executor JVMs (CoarseGrainedExecutorBackend) a worker has started and that are running. */
    static List<ProcessHandle> executors(Process worker) {
        // not an executor's own children: a process the JVM forks carries its parent's command line until it
        // runs its own program, and counting one as a second executor failed "one executor at a time"
        return worker.descendants().filter(ProcessHandle::isAlive)
                .filter(h -> isExecutor(h) && !h.parent().map(SparkCluster::isExecutor).orElse(false)).toList();
    }

    private static boolean isExecutor(ProcessHandle h) {
        return h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend");
    }

    /**
     * Starts {@code SparkSubmit} (client mode: the driver runs in that process) with the application jar
     * and its arguments; its output goes to {@code log}.
     */
    Process submit(Path appJar, String mainClass, List<String> conf, List<String> appArgs, Path log) throws IOException {
        return submit(masterUrl(), sparkHome, appJar, mainClass, conf, appArgs, log);
    }

    static Process submit(String master, Path sparkHome, Path appJar, String mainClass, List<String> conf,
            List<String> appArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("-Xmx1500m", "-cp", sparkHome.resolve("jars") + File.separator + "*",
                "org.apache.spark.deploy.SparkSubmit", "--master", master, "--deploy-mode", "client", "--class",
                mainClass));
        for (String c : conf) {
            cmd.add("--conf");
            cmd.add(c);
        }
        cmd.add(appJar.toString());
        cmd.addAll(appArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb, sparkHome);
        return pb.start();
    }

    @Override
    public void close() {
        // executors first (children of the workers), then the workers and the master
        for (Process d : daemons) {
            d.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            daemons.get(i).destroy();
        }
        for (Process d : daemons) {
            try {
                if (!d.waitFor(20, TimeUnit.SECONDS)) {
                    d.descendants().forEach(ProcessHandle::destroyForcibly);
                    d.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether every process of the cluster and all they started have ended. */
    boolean stopped() {
        return daemons.stream().noneMatch(Process::isAlive)
                && daemons.stream().flatMap(Process::descendants).noneMatch(ProcessHandle::isAlive);
    }

    /** The last {@code n} lines of a log, for failure messages. */
    static String tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log " + log + ": " + e + ")";
        }
    }

    private Process daemon(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("-Xmx256m", "-cp", sparkHome.resolve("jars") + File.separator + "*", mainClass));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        environment(pb, sparkHome);
        return pb.start();
    }

    private static void environment(ProcessBuilder pb, Path sparkHome) {
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        // what a distribution's conf/spark-env.sh or launcher finds out; without it the worker looks for
        // a source build ("Cannot find any build directories") when it starts an executor
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        // the executors' java: the one running the tests
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // one thread per process for OpenMP (ND4J, oneDNN): two executors of one core each share this machine
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("MALLOC_MMAP_THRESHOLD_");
        pb.environment().remove("MALLOC_TRIM_THRESHOLD_");
    }

    private static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(JVM_FLAGS.trim().split("\\s+")));
        cmd.removeIf(String::isEmpty);
        return cmd;
    }

    private void awaitAliveWorkers(int n, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                .timeout(Duration.ofSeconds(5)).build();
        Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Process d : daemons) {
                if (!d.isAlive()) {
                    throw new IllegalStateException("a Spark daemon exited with " + d.exitValue() + "; logs in " + dir
                            + "\n" + tail(dir.resolve("master.log"), 30));
                }
            }
            try {
                String body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = alive.matcher(body);
                if (m.find() && Integer.parseInt(m.group(1)) >= n) {
                    return;
                }
                last = m.find(0) ? m.group(1) + " alive workers" : body;
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the Spark master did not report " + n + " alive workers within " + timeout
                + " (" + last + "); logs in " + dir);
    }

    /** SPARK_HOME with jars/ = links to the test classpath's Spark-side jars (see the class comment). */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        try (Stream<Path> old = Files.list(jars)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString().replace(File.separatorChar, '/');
            if (!s.endsWith(".jar") || !Files.isRegularFile(p) || APPLICATION_SIDE.matcher(s).find()) {
                continue;
            }
            Path link = jars.resolve(p.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, p.toAbsolutePath());
                n++;
            }
        }
        if (n == 0 || !Files.exists(jars.resolve("spark-core_2.12-3.1.2.jar"))) {
            throw new UncheckedIOException(new IOException("no spark-core jar on the test classpath for " + jars));
        }
        return home;
    }

    /** Jars the application brings (its -all jar), and test-only ones. */
    private static final Pattern APPLICATION_SIDE = Pattern.compile("/org/deeplearning4j/|/org/nd4j/|/org/datavec/"
            + "|/org/bytedeco/|/io/github/sknet-dl4j/|/sknet-[a-z]+-[^/]*\\.jar$|/junit|/opentest4j/|/apiguardian/"
            + "|/scala-compiler/|surefire");

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
