package io.github.sknet.models;

/**
 * An input size below the architecture's total stride: a bad argument wherever it comes from (the
 * sknet command reports it as a usage error, exit 2, whichever sub-command gave the size).
 */
public final class InputTooSmallException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InputTooSmallException(String message) {
        super(message);
    }
}
