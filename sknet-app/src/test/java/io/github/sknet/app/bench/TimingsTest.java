package io.github.sknet.app.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The one median both benchmarks report, and the timing loop behind it. */
class TimingsTest {
    @Test
    void medianOfOddAndEvenCountsLeavesTheTimingsAsTheyWere() {
        double[] odd = {9, 1, 5};
        assertEquals(5, Timings.median(odd));
        assertArrayEquals(new double[] {9, 1, 5}, odd, "not sorted in place");
        assertEquals(4, Timings.median(new double[] {7, 1, 3, 5}));
        assertEquals(2.5, Timings.median(new double[] {2.5}));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Timings.median(new double[0]))
                .getMessage().contains("no timings"));
    }

    @Test
    void warmupRunsAreNotTimed() {
        AtomicInteger runs = new AtomicInteger();
        double[] ms = Timings.time(runs::incrementAndGet, 3, 4);
        assertEquals(7, runs.get());
        assertEquals(4, ms.length);
        for (double m : ms) {
            assertTrue(m >= 0, "a duration: " + m);
        }
    }
}
