package io.github.sknet.app;

import java.io.PrintStream;
import java.util.Locale;

/** One line per epoch, redrawn in place on a terminal, printed every 10% otherwise (logs, CI). */
final class ProgressBar {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal = System.console() != null;
    private final long start;
    private long done;
    private int lastDecile = -1;

    /**
     * {@code startNanos} ({@link System#nanoTime()}): when the epoch's work began. A bar made at its first
     * batch's report would time that batch as taking no time (millions of images/s on its first line).
     */
    ProgressBar(PrintStream out, String label, long total, long startNanos) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.start = startNanos;
    }

    void update(long items, double loss) {
        done += items;
        double frac = Math.min(1.0, done / (double) total);
        int decile = (int) (frac * 10);
        if (!terminal && decile == lastDecile && done < total) {
            return;
        }
        lastDecile = decile;
        int filled = (int) Math.round(frac * WIDTH);
        double secs = (System.nanoTime() - start) / 1e9;
        String line = String.format(Locale.ROOT, "%s [%s%s] %3.0f%%  loss %.4f  %.1f img/s", label,
                "#".repeat(filled), ".".repeat(WIDTH - filled), frac * 100, loss, done / Math.max(secs, 1e-9));
        if (terminal) {
            out.print("\r" + line);
            if (done >= total) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
