package io.github.sknet.models;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.bytedeco.javacpp.Pointer;

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
 * <li>every page of memory the process touches for the first time is a page fault; on these machines
 * (virtual machines that hand freed memory back to their host) one costs ~10 us, ~2.5 ms a MB, and
 * SKNet-50's first pass at batch 1, 224x224, took ~11,000 of them (~45 MB).</li>
 * </ul>
 * Loading a model leaves the second core idle, so these passes pay that cost there instead. Where the
 * process's C heap keeps what is freed and all threads share it ({@link #heapKeepsFreedMemory}: the
 * {@code sknet} launcher sets this up for its inference commands), the warm-up first touches up to
 * {@value #TOUCH_MB} MB of it and frees it in {@link #finish()}: the caller's first pass then takes
 * its memory from pages that are already there.
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
    /**
     * Memory touched ahead of the caller's first pass. SKNet-50 at 224x224, batch 1: its first two passes
     * faulted ~100 MB of pages (first pass ~100 ms instead of ~150-200 with 150 MB touched; pass 2 ~40-85
     * ms instead of 150-230).
     */
    static final int TOUCH_MB = 256;
    /** Blocks below glibc's largest mmap threshold (32 MB), so they come from the heap and return to it. */
    private static final long TOUCH_BLOCK = 16L << 20;
    private static ProcessWarmUp started;

    private final Thread thread;
    private volatile boolean stopRequested;
    private volatile int passes;
    private volatile Throwable failure;
    private final boolean touchMemory;
    private volatile int touchedMegabytes;
    /** The touched blocks: held until {@link #finish()} so that neither the warm-up nor model loading uses them. */
    private final List<Pointer> touched = new ArrayList<>();

    ProcessWarmUp(UnaryOperator<ComputationGraph> prepare, int maxPasses) {
        this(prepare, maxPasses, heapKeepsFreedMemory());
    }

    ProcessWarmUp(UnaryOperator<ComputationGraph> prepare, int maxPasses, boolean touchMemory) {
        this.touchMemory = touchMemory;
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

    /**
     * Whether memory freed by one thread stays in the process for the next allocation of any thread: one
     * glibc arena for all threads ({@code MALLOC_ARENA_MAX=1}), blocks of {@value #TOUCH_BLOCK} bytes not
     * mapped on their own ({@code MALLOC_MMAP_THRESHOLD_} above that) and a free heap top kept
     * ({@code MALLOC_TRIM_THRESHOLD_} set). Without it touched memory would help nobody but the warm-up.
     */
    public static boolean heapKeepsFreedMemory() {
        return "1".equals(System.getenv("MALLOC_ARENA_MAX"))
                && number(System.getenv("MALLOC_MMAP_THRESHOLD_")) > TOUCH_BLOCK
                && number(System.getenv("MALLOC_TRIM_THRESHOLD_")) >= TOUCH_MB * (1L << 20);
    }

    private static long number(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void run(UnaryOperator<ComputationGraph> prepare, int maxPasses) {
        try {
            if (touchMemory) {
                touchMemory();
            }
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

    /** Touches {@value #TOUCH_MB} MB block by block, stopping early when {@link #finish()} comes first. */
    private void touchMemory() {
        for (long done = 0; done < TOUCH_MB * (1L << 20) && !stopRequested; done += TOUCH_BLOCK) {
            Pointer p = Pointer.malloc(TOUCH_BLOCK);
            if (p == null || p.isNull()) {
                return; // memory is short: the caller needs it more than a head start
            }
            Pointer.memset(p, 0, TOUCH_BLOCK);
            synchronized (touched) {
                touched.add(p);
            }
            touchedMegabytes += (int) (TOUCH_BLOCK >> 20);
        }
    }

    /**
     * Asks the warm-up to stop after the pass under way and waits for it: a small model loaded fast waits
     * at most one tiny pass. Frees the touched memory for the caller's passes. Returns the passes run.
     */
    public int finish() {
        stopRequested = true;
        join();
        synchronized (touched) {
            touched.forEach(Pointer::free);
            touched.clear();
        }
        return passes;
    }

    /** MB of memory touched ahead of the caller's first pass (freed for it by {@link #finish()}). */
    public int touchedMegabytes() {
        return touchedMegabytes;
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
