package io.github.sknet.app;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import java.util.Set;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import io.github.sknet.app.bench.Timings;
import io.github.sknet.layer.graph.WorkspaceLearning;
import io.github.sknet.layer.samediff.Helpers;
import io.github.sknet.models.ModelStats;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/**
 * {@code sknet bench}: whole-network inference or SGD training steps on random data; median ms per
 * batch, images/s, effective GFLOP/s (2 x multiply-adds, x3 for a training step), peak heap and
 * resident memory. The last line is {@code images/s: X} for scripts.
 */
final class BenchCommand {
    static final String HELP = String.join("\n",
            "usage: sknet bench --arch A [--batch B] [--size S] [--mode inference|train] [--iters N] [--warmup N]",
            "                   [--threads T] [--fold-bn] [--samediff]",
            "  defaults: --batch 8, --size = the architecture's, --mode inference, --iters 10,",
            "            --warmup 20 for inference, 10 for train",
            "  (the first 5 passes are printed one by one; workspaces are sized after the first pass, as in",
            "  predict, evaluate and train; -Dsknet.workspaces=dl4j keeps DL4J's own learning, for comparison)",
            "  (inference warms the process up while the model is built, as predict and evaluate do:",
            "  -Dsknet.warmup=false in SKNET_JAVA_OPTS measures a cold first pass)",
            "  --threads T   ND4J threads (default: all cores; OMP_NUM_THREADS also sets it)",
            "  --samediff    run every layer's SameDiff definition (autodiff backward) instead of its helper",
            "                (oneDNN kernels, the CPU float32 default); BatchNorm has no SameDiff form and runs ND4J ops",
            FoldBn.HELP + " (--mode inference only)");

    private BenchCommand() {
    }

    static int run(String[] argv) {
        Args a = new Args("bench", argv, Set.of("--arch", "--batch", "--size", "--mode", "--iters", "--warmup",
                "--threads"), Set.of("--verbose", FoldBn.FLAG, "--samediff"));
        boolean helpers = Helpers.enabled();
        Helpers.setEnabled(helpers && !a.flag("--samediff"));
        try {
            return run(a);
        } finally {
            Helpers.setEnabled(helpers);
        }
    }

    private static int run(Args a) {
        SKNetVariant v = TrainCommand.variant(a.required("--arch"));
        int batch = a.integer("--batch", 8, 1);
        int size = a.integer("--size", v.defaultSize(), 16);
        int iters = a.integer("--iters", 10, 1);
        String mode = a.string("--mode", "inference");
        if (!mode.equals("inference") && !mode.equals("train")) {
            throw CliException.usage("bench: --mode must be inference or train, got '" + mode + "'");
        }
        int warmup = a.integer("--warmup", mode.equals("inference") ? 20 : 10, 0);
        boolean fold = a.flag(FoldBn.FLAG);
        if (fold && !mode.equals("inference")) {
            throw CliException.usage("bench: --fold-bn needs --mode inference (a folded graph has no BatchNorm "
                    + "left to train)");
        }
        if (a.has("--threads")) {
            Nd4j.getEnvironment().setMaxThreads(a.integer("--threads", 0, 1));
        }
        // inference warms up as predict and evaluate do; training, as sknet train, does not
        CommandWarmUp warmUp = mode.equals("inference") ? CommandWarmUp.start("bench", fold) : null;
        ComputationGraph built;
        try {
            built = SKNet.builder(v).numClasses(v.defaultClasses()).inputShape(3, size, size)
                    .updater(new Sgd(1e-3)).build().init();
        } catch (IllegalArgumentException e) { // e.g. a --size below the architecture's smallest
            throw CliException.usage("bench: " + e.getMessage());
        }
        // the unfolded graph's multiply-adds: GFLOP/s stay comparable with and without --fold-bn
        ModelStats stats = ModelStats.of(built.getConfiguration(), InputType.convolutional(size, size, 3));
        // inference as predict and evaluate run it; training as sknet train does
        ComputationGraph g = mode.equals("inference") ? FoldBn.forInference(built, fold)
                : WorkspaceLearning.settleAfterOnePass(built);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, v.defaultClasses());
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % v.defaultClasses(), 1);
        }
        DataSet d = new DataSet(x, y);
        WorkspaceConfiguration wsc = WorkspaceConfiguration.builder().policyLearning(LearningPolicy.FIRST_LOOP).build();
        Runnable step = mode.equals("train") ? () -> g.fit(d) : () -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsc, "bench-output")) {
                g.output(false, ws, x);
            }
        };
        System.out.printf("%s %s%s, batch %d, %dx%d, float32, %d threads available, %s%n", v.id(), mode,
                fold ? " (BatchNorm folded)" : "", batch, size, size, Runtime.getRuntime().availableProcessors(),
                Helpers.enabled() ? "helpers (oneDNN)" : "SameDiff definitions (helpers off)");
        if (warmUp != null) {
            System.out.println("process warm-up: " + warmUp.finish());
        }
        long peakRss = 0;
        double[] warm = new double[warmup];
        for (int i = 0; i < warmup; i++) {
            long t0 = System.nanoTime();
            step.run();
            warm[i] = (System.nanoTime() - t0) / 1e6;
            peakRss = Math.max(peakRss, Pointer.physicalBytes());
            if (i < 5) { // a new graph's first passes: what a short-lived predict or evaluate run pays
                System.out.printf(Locale.ROOT, "  warm-up pass %d: %.1f ms, resident %.0f MB%n", i + 1, warm[i],
                        Pointer.physicalBytes() / 1e6);
            }
        }
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            peakRss = Math.max(peakRss, Pointer.physicalBytes());
            System.out.printf(Locale.ROOT, "  iteration %d/%d: %.1f ms, resident %.0f MB%n", i + 1, iters, ms[i],
                    Pointer.physicalBytes() / 1e6);
        }
        double median = Timings.median(ms);
        double imagesPerSecond = batch / (median / 1000);
        double flops = 2.0 * stats.multiplyAdds * batch * (mode.equals("train") ? 3 : 1);
        System.out.printf(Locale.ROOT, "median: %.1f ms per batch%n", median);
        if (warmup > 0) {
            StringBuilder r = new StringBuilder("warm-up passes / median:");
            for (double w : warm) {
                r.append(String.format(Locale.ROOT, " %.2f", w / median));
            }
            System.out.println(r);
        }
        System.out.printf(Locale.ROOT, "effective: %.1f GFLOP/s%n", flops / (median * 1e6));
        System.out.printf(Locale.ROOT, "peak heap: %.0f MB, peak resident (heap + off-heap): %.0f MB, off-heap held by "
                + "JavaCPP: %.0f MB%n", peakHeap() / 1e6, peakRss / 1e6, Pointer.totalBytes() / 1e6);
        System.out.printf(Locale.ROOT, "images/s: %.2f%n", imagesPerSecond);
        return 0;
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
