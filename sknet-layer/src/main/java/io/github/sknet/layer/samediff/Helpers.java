package io.github.sknet.layer.samediff;

/**
 * Whether layers use their fast helpers (oneDNN kernels) or always run their SameDiff definition.
 * Read once when a layer is created, never on a hot path: {@code -Dsknet.helpers=false} sets the
 * default for the JVM, {@link #setEnabled} changes it for layers created afterwards (a graph already
 * initialised keeps what its layers chose).
 */
public final class Helpers {
    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("sknet.helpers"));

    private Helpers() {
    }

    /** True unless {@code -Dsknet.helpers=false} or {@code setEnabled(false)}. */
    public static boolean enabled() {
        return enabled;
    }

    /** false: every layer created from now on runs its SameDiff definition (for checking, or a changed definition). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }
}
