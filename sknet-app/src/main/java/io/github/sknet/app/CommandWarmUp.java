package io.github.sknet.app;

import java.util.Locale;

import io.github.sknet.layer.fold.BatchNormFolding;
import io.github.sknet.models.ProcessWarmUp;

/**
 * The inference commands' {@link ProcessWarmUp}: started once the arguments are checked, so that it runs
 * while the model loads, and finished just before the first pass. {@code -Dsknet.warmup=false} (in
 * {@code SKNET_JAVA_OPTS}) turns it off, e.g. to measure a cold first pass with {@code bench}.
 */
final class CommandWarmUp {
    static final String PROPERTY = "sknet.warmup";

    private final String command;
    private final ProcessWarmUp warmUp;
    private boolean finished;

    private CommandWarmUp(String command, ProcessWarmUp warmUp) {
        this.command = command;
        this.warmUp = warmUp;
    }

    /** Starts it for a command that will run its model folded ({@code fold}) or as stored. */
    static CommandWarmUp start(String command, boolean fold) {
        boolean on = !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
        return new CommandWarmUp(command, on ? ProcessWarmUp.start(fold ? BatchNormFolding::fold : g -> g) : null);
    }

    /**
     * Stops it and waits for the pass under way; a failure is a warning (the command's work does not need
     * the warm-up). Returns what it did, for {@code bench} to print. Calls after the first do nothing.
     */
    String finish() {
        if (warmUp == null) {
            return "off (-D" + PROPERTY + "=false)";
        }
        if (finished) {
            return "finished";
        }
        finished = true;
        long t0 = System.nanoTime();
        int passes = warmUp.finish();
        double waited = (System.nanoTime() - t0) / 1e6;
        if (warmUp.failure() != null) {
            System.err.println("sknet " + command + ": warning: the warm-up failed, the first pass runs cold: "
                    + warmUp.failure());
        }
        return String.format(Locale.ROOT, "%d passes of a tiny SK network on a second thread while the model "
                + "was built%s; waited %.0f ms for it", passes, warmUp.touchedMegabytes() == 0 ? ""
                : ", " + warmUp.touchedMegabytes() + " MB of memory touched for the first pass", waited);
    }
}
