package io.github.sknet.app;

/** A failure the command reports as one line and an exit code: 2 for bad arguments, 1 otherwise. */
public final class CliException extends RuntimeException {
    final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(2, message);
    }

    public static CliException failure(String message, Throwable cause) {
        return new CliException(1, message, cause);
    }
}
