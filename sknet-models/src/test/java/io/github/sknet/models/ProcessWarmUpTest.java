package io.github.sknet.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.fold.BatchNormFolding;

/** The background warm-up: runs, stops when asked, keeps its failure, and leaves the caller's results alone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a warm-up that never stops fails here instead of hanging
class ProcessWarmUpTest {

    @Test
    void runsItsPassesOnItsOwnThreadAndEnds() {
        ProcessWarmUp w = new ProcessWarmUp(g -> g, 3);
        w.startThread();
        assertEquals(3, w.join());
        assertNull(w.failure());
        assertFalse(w.running());
    }

    /** Where the heap keeps freed memory, the warm-up touches its share before its passes and frees it in finish(). */
    @Test
    void touchesMemoryBeforeItsPassesAndFreesItInFinish() {
        ProcessWarmUp w = new ProcessWarmUp(g -> g, 2, true);
        w.startThread();
        assertEquals(2, w.join());
        assertEquals(ProcessWarmUp.TOUCH_MB, w.touchedMegabytes());
        assertEquals(2, w.finish());
        assertEquals(ProcessWarmUp.TOUCH_MB, w.touchedMegabytes(), "what was touched, for the report");
        assertNull(w.failure());
    }

    @Test
    void finishStopsTouchingMemoryEarly() {
        ProcessWarmUp w = new ProcessWarmUp(g -> g, Integer.MAX_VALUE, true);
        w.startThread();
        w.finish();
        assertFalse(w.running());
        assertNull(w.failure());
    }

    @Test
    void finishStopsAWarmUpThatWouldRunForever() {
        ProcessWarmUp w = new ProcessWarmUp(BatchNormFolding::fold, Integer.MAX_VALUE);
        w.startThread();
        int passes = w.finish();
        assertFalse(w.running());
        assertNull(w.failure());
        assertEquals(passes, w.finish(), "a second finish changes nothing");
    }

    @Test
    void aFailureIsKeptNotThrown() {
        IllegalStateException broken = new IllegalStateException("no model");
        ProcessWarmUp w = new ProcessWarmUp(g -> {
            throw broken;
        }, 3);
        w.startThread();
        assertEquals(0, w.join());
        assertSame(broken, w.failure());
    }

    @Test
    void startsOncePerProcess() {
        ProcessWarmUp first = ProcessWarmUp.start(g -> g);
        assertSame(first, ProcessWarmUp.start(BatchNormFolding::fold));
        first.finish();
        assertNull(first.failure());
    }

    /** Two graphs in two threads share oneDNN and ND4J: the caller's outputs must be what they are alone. */
    @Test
    void theCallersGraphComputesTheSameWhileItRuns() throws InterruptedException {
        ComputationGraph net = SKNet.builder(SKNetVariant.SKNET_SMALL).inputShape(3, 32, 32).seed(7).build().init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        float[] alone = net.outputSingle(false, x).dup().data().asFloat();
        ProcessWarmUp w = new ProcessWarmUp(g -> g, Integer.MAX_VALUE);
        w.startThread();
        try {
            while (w.passes() == 0 && w.running()) { // its graph built: passes overlap from here on
                Thread.sleep(5);
            }
            for (int i = 0; i < 10; i++) {
                assertTrue(w.running(), "the warm-up must still run while the caller's passes are compared");
                assertArrayEquals(alone, net.outputSingle(false, x).dup().data().asFloat(), 1e-6f, "pass " + i);
            }
        } finally {
            w.finish();
        }
        assertNull(w.failure());
    }
}
