package io.github.sknet.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.io.SKNetModelFile;

/**
 * Trains an {@link SKNetVariant} on Spark with DL4J's own {@link SparkComputationGraph}, through a
 * {@link ParameterAveragingTrainingMaster} (default: workers train on their partitions and their
 * parameters and updater states are averaged every {@code averagingFrequency} mini-batches) or a
 * {@link SharedTrainingMaster} (gradient sharing: quantised updates exchanged over Aeron every step).
 *
 * <pre>
 * SparkSKNetTrainer t = SparkSKNetTrainer.builder(sc).variant(SKNetVariant.SKNET_SMALL).numClasses(5)
 *         .inputShape(3, 32, 32).batchSizePerWorker(32).epochs(3).build();
 * ComputationGraph net = t.fit(SparkData.syntheticShapes(sc, 4000, 32, 32, 42, 2));
 * t.save(Path.of("model.zip"), List.of("square", "ring", "cross", "triangle", "bars"));
 * </pre>
 *
 * The SparkContext is the caller's (a notebook has exactly one per JVM): the trainer never creates nor
 * stops one. One trainer trains one network; call {@link #fit} once.
 *
 * <p>Three things DL4J 1.0.0-M2's masters get wrong for this network are put right here, each in a class
 * of its own that says why: the data are cut into batches of exactly {@code batchSizePerWorker}
 * ({@link Rebatch}: the export step otherwise drops examples), parameter-averaging workers get the
 * driver's iteration count ({@link IterationCountHook}: otherwise Adam restarts its bias correction every
 * round), and after each SharedTrainingMaster epoch the BatchNorm running statistics are re-estimated
 * on the driver ({@link BatchNormStatistics}: gradient sharing does not carry them).
 */
public final class SparkSKNetTrainer {
    private static final Logger log = LoggerFactory.getLogger(SparkSKNetTrainer.class);

    private final JavaSparkContext sc;
    private final SKNetVariant variant;
    private final int numClasses;
    private final int[] inputShape;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int epochs;
    private final long seed;
    private final IUpdater updater;
    private final boolean shared;
    private final boolean scaleLearningRate;
    private final String exportDirectory;
    private final int scoreBatches;
    private final String controllerAddress;
    private final String networkMask;
    private final int sharedPort;

    private final List<Double> epochScores = new ArrayList<>();
    private final List<Double> epochSeconds = new ArrayList<>();
    private double initialScore = Double.NaN;
    private SparkComputationGraph sparkNet;

    private SparkSKNetTrainer(Builder b) {
        this.sc = b.sc;
        this.variant = b.variant;
        this.numClasses = b.numClasses;
        this.inputShape = b.inputShape.clone();
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.updater = b.updater;
        this.shared = b.shared;
        this.scaleLearningRate = b.scaleLearningRate;
        this.exportDirectory = b.exportDirectory;
        this.scoreBatches = b.scoreBatches;
        this.controllerAddress = b.controllerAddress;
        this.networkMask = b.networkMask;
        this.sharedPort = b.sharedPort;
    }

    /** @param sc the application's (or notebook's) context; it is used, never stopped */
    public static Builder builder(JavaSparkContext sc) {
        return new Builder(sc);
    }

    /**
     * Builds the network and trains it for the configured epochs on {@code data}, logging the score
     * and time of every epoch.
     *
     * @param data mini-batches with features {@code [B, C, H, W]} (the input shape) and one-hot labels
     *             {@code [B, numClasses]}; cache it if it is expensive to compute, every epoch reads it
     * @return the trained network (on the driver)
     * @throws IllegalArgumentException if {@code data} is empty or its shapes do not match
     * @throws IllegalStateException    if called twice, or the SparkContext was stopped
     */
    public ComputationGraph fit(JavaRDD<DataSet> data) {
        Objects.requireNonNull(data, "data");
        if (sparkNet != null) {
            throw new IllegalStateException("SparkSKNetTrainer.fit: this trainer has already trained a network; "
                    + "build a new trainer to train another");
        }
        checkAlive();
        // A fixed sample of the training data scores every epoch the same way for both training masters
        // (SharedTrainingMaster's own getScore() reports 0.0); it also checks the shapes before any work.
        List<DataSet> sample = data.take(scoreBatches);
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("SparkSKNetTrainer.fit: data is empty");
        }
        checkShapes(sample.get(0));
        DataSet scoreSet = DataSet.merge(sample);

        ComputationGraph net = SKNet.builder(variant).numClasses(numClasses).inputShape(inputShape).seed(seed)
                .updater(workersUpdater()).build().init();
        TrainingMaster<?, ?> tm = shared ? sharedMaster() : averagingMaster(net);
        sparkNet = new SparkComputationGraph(sc, net, tm);
        // one RDD for all epochs: the training masters export it once and reuse the files
        JavaRDD<DataSet> batches = data.mapPartitions(new Rebatch(batchSizePerWorker));
        initialScore = net.score(scoreSet, false);
        log.info(String.format(Locale.ROOT, "%s %dx%dx%d, %,d parameters, %s, %d epochs; initial score %.4f",
                variant.id(), inputShape[0], inputShape[1], inputShape[2], net.numParams(), describeMaster(),
                epochs, initialScore));
        for (int e = 1; e <= epochs; e++) {
            long t0 = System.nanoTime();
            sparkNet.fit(batches);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (shared) {
                BatchNormStatistics.recompute(sparkNet.getNetwork(), sample);
            }
            double score = sparkNet.getNetwork().score(scoreSet, false);
            epochScores.add(score);
            epochSeconds.add(seconds);
            log.info(String.format(Locale.ROOT, "epoch %d/%d: score %.4f (on %d sampled examples), %.1f s", e, epochs,
                    score, scoreSet.numExamples(), seconds));
        }
        return sparkNet.getNetwork();
    }

    /** Score (mean loss, inference mode) on a fixed sample of the training data after each epoch. */
    public List<Double> epochScores() {
        return Collections.unmodifiableList(epochScores);
    }

    /** Wall-clock seconds of each epoch's {@code SparkComputationGraph.fit}. */
    public List<Double> epochSeconds() {
        return Collections.unmodifiableList(epochSeconds);
    }

    /** Score on the same sample before training; NaN before {@link #fit}. */
    public double initialScore() {
        return initialScore;
    }

    /** The trained network. */
    public ComputationGraph network() {
        return trained("network").getNetwork();
    }

    /**
     * Accuracy and friends of the trained network on {@code data}, evaluated on the executors (see
     * {@link DistributedEvaluation} for why not with {@code SparkComputationGraph.evaluate}).
     */
    public Evaluation evaluate(JavaRDD<DataSet> data) {
        Objects.requireNonNull(data, "data");
        return DistributedEvaluation.evaluate(sc, trained("evaluate").getNetwork(), data, numClasses);
    }

    /**
     * Writes the trained network (without updater state) in the format of sknet-models'
     * {@link SKNetModelFile}, which the {@code sknet} command reads.
     *
     * @param classNames one name per class, in label order
     */
    public void save(Path file, List<String> classNames) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(classNames, "classNames");
        ComputationGraph net = trained("save").getNetwork();
        if (classNames.size() != numClasses) {
            throw new IllegalArgumentException("SparkSKNetTrainer.save: classNames has " + classNames.size()
                    + " names for " + numClasses + " classes");
        }
        if (inputShape[1] != inputShape[2]) {
            throw new IllegalArgumentException("SparkSKNetTrainer.save: model files record one input size, the input is "
                    + inputShape[1] + "x" + inputShape[2]);
        }
        SKNetModelFile.save(net, new SKNetModelFile.Meta(variant.id(), inputShape[1], classNames, epochScores.size()),
                file, false);
    }

    private SparkComputationGraph trained(String what) {
        if (sparkNet == null) {
            throw new IllegalStateException("SparkSKNetTrainer." + what + ": call fit first");
        }
        return sparkNet;
    }

    private void checkAlive() {
        if (sc.sc().isStopped()) {
            throw new IllegalStateException("SparkSKNetTrainer: the SparkContext has been stopped");
        }
    }

    private void checkShapes(DataSet first) {
        long[] f = first.getFeatures() == null ? null : first.getFeatures().shape();
        long[] l = first.getLabels() == null ? null : first.getLabels().shape();
        if (f == null || f.length != 4 || f[1] != inputShape[0] || f[2] != inputShape[1] || f[3] != inputShape[2]) {
            throw new IllegalArgumentException("SparkSKNetTrainer.fit: data features must be [B, " + inputShape[0] + ", "
                    + inputShape[1] + ", " + inputShape[2] + "] (inputShape), got " + Arrays.toString(f));
        }
        if (l == null || l.length != 2 || l[1] != numClasses) {
            throw new IllegalArgumentException("SparkSKNetTrainer.fit: data labels must be one-hot [B, " + numClasses
                    + "] (numClasses), got " + Arrays.toString(l));
        }
    }

    private ParameterAveragingTrainingMaster averagingMaster(ComputationGraph net) {
        // examples per RDD object = the worker batch: what Rebatch produces (DL4J sizes its splits with it)
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                // Adam's moments are averaged too (DL4J's default drops them: every round would restart Adam)
                .saveUpdater(true)
                .trainingHooks(new IterationCountHook(net))
                .rddTrainingApproach(trainingApproach())
                .rngSeed(seed);
        if (exportDirectory != null) {
            b.exportDirectory(exportDirectory);
        }
        return b.build();
    }

    private SharedTrainingMaster sharedMaster() {
        VoidConfiguration.VoidConfigurationBuilder vc = VoidConfiguration.builder()
                .portSupplier(new WorkerPortSupplier(sharedPort));
        String controller = controllerAddress != null ? controllerAddress : defaultControllerAddress();
        if (controller != null) {
            vc.controllerAddress(controller);
        }
        if (networkMask != null) {
            vc.networkMask(networkMask);
        }
        SharedTrainingMaster.Builder b = new SharedTrainingMaster.Builder(vc.build(), batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                // the threshold adapts to keep ~1e-3 of the updates per step: DL4J's recommended default
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm(1e-3))
                // one training thread per executor: Spark already runs one task per core
                .workersPerNode(1)
                .rddTrainingApproach(trainingApproach())
                .rngSeed(seed);
        if (exportDirectory != null) {
            b.exportDirectory(exportDirectory);
        }
        return b.build();
    }

    /**
     * The updater with its learning rate multiplied by the number of workers (the context's default
     * parallelism, DL4J's number of workers), unless switched off or the rate follows a schedule. For
     * parameter averaging: averaging the steps that k workers took on k different mini-batches moves the
     * parameters less than one step on their union (the parts in which the workers' Adam steps differ
     * cancel, and each worker's Adam normalises by the second moment of its own, noisier gradient). For
     * gradient sharing it was measured only. On the cluster test's data (960 images, 2 workers x 16, 3
     * epochs) against 0.7175 held-out accuracy on one machine (batch 32, 2e-3): parameter averaging every
     * 2 steps 0.665 at 2e-3, 0.7725 at 2 x 2e-3; shared training master 0.575 and 0.7975.
     */
    private IUpdater workersUpdater() {
        int k = sc.defaultParallelism();
        if (!scaleLearningRate || k <= 1 || !updater.hasLearningRate()) {
            return updater;
        }
        double lr = updater.getLearningRate(0, 0);
        if (lr != updater.getLearningRate(1_000_000, 1_000)) {
            log.warn("SparkSKNetTrainer: the learning rate follows a schedule; not scaled for {} workers", k);
            return updater;
        }
        IUpdater scaled = updater.clone();
        scaled.setLrAndSchedule(lr * k, null);
        log.info(String.format(Locale.ROOT, "%d workers: learning rate %.3g x %d = %.3g", k, lr, k, lr * k));
        return scaled;
    }

    /**
     * DL4J's default, Export (mini-batches written to files that the workers read, once for all epochs),
     * needs a file system every machine sees: with a cluster master and the local file system as Hadoop's
     * default it refuses to start ("Export training approach is not supported in the current
     * environment"). There the mini-batches stay in Spark's memory instead (Direct), which needs no
     * shared storage. Export is kept wherever it works: local mode, or an HDFS/S3 default file system.
     */
    private RDDTrainingApproach trainingApproach() {
        return ExportSupport.exportSupported(sc) ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct;
    }

    /** Local mode: everything is on this machine, so the loopback address is the one that always works. */
    private String defaultControllerAddress() {
        String master = sc.master();
        return master != null && master.startsWith("local") ? "127.0.0.1" : sc.getConf().get("spark.driver.host", null);
    }

    private String describeMaster() {
        return (shared ? String.format(Locale.ROOT, "SharedTrainingMaster (batch %d per worker, port %d",
                batchSizePerWorker, sharedPort)
                : String.format(Locale.ROOT, "ParameterAveragingTrainingMaster (batch %d per worker, averaging every %d",
                        batchSizePerWorker, averagingFrequency))
                + ", " + trainingApproach() + " data)";
    }

    /** Builder; every setter checks its argument at once, {@link #build} checks that the network builds. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private SKNetVariant variant;
        private int numClasses = -1;
        private int[] inputShape;
        private int batchSizePerWorker = 32;
        private int averagingFrequency = 5;
        private int epochs = 1;
        private long seed = 42;
        private IUpdater updater = new Adam(2e-3);
        private boolean shared;
        private boolean scaleLearningRate = true;
        private String exportDirectory;
        private int scoreBatches = 8;
        private String controllerAddress;
        private String networkMask;
        private int sharedPort = 40123;

        private Builder(JavaSparkContext sc) {
            this.sc = Objects.requireNonNull(sc, "SparkSKNetTrainer.builder: sc (the JavaSparkContext) must not be null");
        }

        /** Required: which SKNet. */
        public Builder variant(SKNetVariant variant) {
            this.variant = Objects.requireNonNull(variant, "SparkSKNetTrainer: variant must not be null");
            return this;
        }

        /** Default: the variant's default number of classes. */
        public Builder numClasses(int numClasses) {
            atLeast("numClasses", numClasses, 2);
            this.numClasses = numClasses;
            return this;
        }

        /** Default: 3 x the variant's default size. */
        public Builder inputShape(int channels, int height, int width) {
            atLeast("inputShape channels", channels, 1);
            atLeast("inputShape height", height, 1);
            atLeast("inputShape width", width, 1);
            this.inputShape = new int[] {channels, height, width};
            return this;
        }

        /** Mini-batch size each worker trains with (default 32). */
        public Builder batchSizePerWorker(int batchSizePerWorker) {
            atLeast("batchSizePerWorker", batchSizePerWorker, 1);
            this.batchSizePerWorker = batchSizePerWorker;
            return this;
        }

        /** Parameter averaging: average every N mini-batches per worker (default 5); unused when shared. */
        public Builder averagingFrequency(int averagingFrequency) {
            atLeast("averagingFrequency", averagingFrequency, 1);
            this.averagingFrequency = averagingFrequency;
            return this;
        }

        /** Passes over the data (default 1). */
        public Builder epochs(int epochs) {
            atLeast("epochs", epochs, 1);
            this.epochs = epochs;
            return this;
        }

        /** Weight initialisation and data shuffling seed (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Default: Adam(2e-3), as {@code sknet train}. */
        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "SparkSKNetTrainer: updater must not be null");
            return this;
        }

        /** true: SharedTrainingMaster (gradient sharing); false (default): ParameterAveragingTrainingMaster. */
        public Builder sharedTrainingMaster(boolean shared) {
            this.shared = shared;
            return this;
        }

        /**
         * Multiply the updater's (constant) learning rate by the number of workers (default true), so that
         * the distributed run moves about as far per round as one machine would on the workers'
         * mini-batches together (both training masters; measured figures at {@code workersUpdater}).
         */
        public Builder scaleLearningRate(boolean scaleLearningRate) {
            this.scaleLearningRate = scaleLearningRate;
            return this;
        }

        /**
         * Where the training masters write the mini-batches they export before training (default: DL4J's,
         * under the Hadoop temp dir). Any Hadoop file system URI or local path. Unused on a cluster whose
         * default Hadoop file system is the local one: there the data are not exported (see Direct above).
         */
        public Builder exportDirectory(String exportDirectory) {
            Objects.requireNonNull(exportDirectory, "SparkSKNetTrainer: exportDirectory must not be null");
            if (exportDirectory.isBlank()) {
                throw new IllegalArgumentException("SparkSKNetTrainer: exportDirectory must not be blank");
            }
            this.exportDirectory = exportDirectory;
            return this;
        }

        /** How many RDD elements (mini-batches) the per-epoch score is computed on (default 8). */
        public Builder scoreBatches(int scoreBatches) {
            atLeast("scoreBatches", scoreBatches, 1);
            this.scoreBatches = scoreBatches;
            return this;
        }

        /**
         * SharedTrainingMaster: the driver's address the workers connect to (default 127.0.0.1 in local mode,
         * else {@code spark.driver.host}), the network mask that selects the workers' interface (e.g.
         * "10.0.0.0/16"; default: DL4J's choice) and the driver's Aeron UDP port (default 40123; each executor takes a free one).
         */
        public Builder sharedNetwork(String controllerAddress, String networkMask, int port) {
            atLeast("shared network port", port, 1);
            if (port > 65535) {
                throw new IllegalArgumentException("SparkSKNetTrainer: shared network port must be <= 65535, got " + port);
            }
            this.controllerAddress = controllerAddress;
            this.networkMask = networkMask;
            this.sharedPort = port;
            return this;
        }

        /**
         * @throws IllegalArgumentException if the variant is missing or the network cannot be built for the
         *                                  input shape and classes
         */
        public SparkSKNetTrainer build() {
            if (variant == null) {
                throw new IllegalArgumentException("SparkSKNetTrainer: variant is required");
            }
            if (numClasses < 0) {
                numClasses = variant.defaultClasses();
            }
            if (inputShape == null) {
                inputShape = new int[] {3, variant.defaultSize(), variant.defaultSize()};
            }
            // builds the configuration now (not on the first fit) so that a bad shape fails here
            SKNet.builder(variant).numClasses(numClasses).inputShape(inputShape).build();
            return new SparkSKNetTrainer(this);
        }

        private static void atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException("SparkSKNetTrainer: " + name + " must be >= " + min + ", got " + value);
            }
        }
    }
}
