package io.github.sknet.models;

import java.util.function.UnaryOperator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.graph.InferenceWeights;
import io.github.sknet.layer.graph.WorkspaceLearning;

/**
 * Inference passes of a tiny SK network on a background thread, to run while the caller builds or loads
 * its own model.
 *
 * <p>A process's first forward pass of SKNet-50 took 4-5x its later passes. A second graph in the same
 * process took 1.1-1.8x. The difference is paid once per process:
 * <ul>
 * <li>the Java glue between kernels runs interpreted until it is compiled;</li>
 * <li>classes are initialised;</li>
 * <li>oneDNN generates its GEMM kernels on their first use.</li>
 * </ul>
 * Loading a model leaves the second core idle, so these passes pay that cost there instead.
 *
 * <pre>
 * ProcessWarmUp warmUp = ProcessWarmUp.start(g -&gt; g);   // or a BatchNorm-folding step, as the model runs
 * ComputationGraph net = ...;                              // load or build the model
 * warmUp.finish();                                         // before the first pass: stops it, waits
 * net.output(x);
 * </pre>
 *
 * <p>It runs until {@link #finish()}, at most {@value #PASSES} passes. The network is
 * {@link SKNetVariant#SKNET_SMALL} at 32x32, batch 1: the SK unit, grouped and 1x1
 * convolutions, BatchNorm and the classifier, on its own thread's workspaces (closed at the end). It
 * changes nothing the caller's graph computes. A failure is kept, not thrown: the caller's work does not
 * depend on the warm-up.
 */
public final class ProcessWarmUp {
    /**
     * Passes when {@link #finish()} does not come first. Each one brings the per-layer glue closer to the
     * calls after which C1 compiles it, on a core that model loading leaves idle: SKNet-50 b1 224 in
     * {@code bench} ran 12-46 before its model was built (a cap of 10 stopped it early).
     */
    static final int PASSES = 100;
    private static final int SIZE = 32;
    private static ProcessWarmUp started;

    private final Thread thread;
    private volatile boolean stopRequested;
    private volatile int passes;
    private volatile Throwable failure;

    ProcessWarmUp(UnaryOperator<ComputationGraph> prepare, int maxPasses) {
        thread = new Thread(() -> run(prepare, maxPasses), "sknet-warm-up");
        thread.setDaemon(true); // never keeps a finished command alive
    }

    /**
     * Starts the warm-up once per process. Later calls return the first one, started or finished.
     * {@code prepare} turns the tiny network into what the caller will run, e.g. BatchNorm folded.
     */
    public static synchronized ProcessWarmUp start(UnaryOperator<ComputationGraph> prepare) {
        if (started == null) {
            started = new ProcessWarmUp(prepare, PASSES);
            started.startThread();
        }
        return started;
    }

    void startThread() {
        thread.start();
    }

    private void run(UnaryOperator<ComputationGraph> prepare, int maxPasses) {
        try {
            SKNetVariant v = SKNetVariant.SKNET_SMALL;
            ComputationGraph g = InferenceWeights.keep(WorkspaceLearning.settleAfterOnePass(
                    prepare.apply(SKNet.builder(v).inputShape(3, SIZE, SIZE).build().init())));
            INDArray x = Nd4j.linspace(-1, 1, 3 * SIZE * SIZE, DataType.FLOAT).reshape(1, 3, SIZE, SIZE);
            WorkspaceConfiguration wsc = WorkspaceConfiguration.builder()
                    .policyLearning(LearningPolicy.FIRST_LOOP).build();
            while (passes < maxPasses && !stopRequested) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsc, "sknet-warm-up")) {
                    g.output(false, ws, x);
                }
                passes++;
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        }
    }

    /**
     * Asks the warm-up to stop after the pass under way and waits for it: a small model loaded fast waits
     * at most one tiny pass. Returns the passes run.
     */
    public int finish() {
        stopRequested = true;
        join();
        return passes;
    }

    /** Waits until the warm-up has run all its passes (or failed). Returns the passes run. */
    int join() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return passes;
    }

    /** What stopped the warm-up early, or null. */
    public Throwable failure() {
        return failure;
    }

    int passes() {
        return passes;
    }

    boolean running() {
        return thread.isAlive();
    }
}
