package io.github.sknet.app.bench;

import java.util.Arrays;

/** Wall-clock timings of repeated runs, and their median: what the benchmarks report. */
public final class Timings {
    private Timings() {
    }

    /** {@code warmup} untimed runs of {@code r}, then the ms of each of {@code iters} timed runs. */
    public static double[] time(Runnable r, int warmup, int iters) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /** The median (the mean of the middle two for an even count); {@code v} is not changed. */
    public static double median(double[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("median of no timings");
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
