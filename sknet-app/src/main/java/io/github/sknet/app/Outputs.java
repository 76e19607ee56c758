package io.github.sknet.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks made on a command's output paths before any work starts: an output is never one of the inputs,
 * never an existing folder (or, for an output folder, an existing file), and the nearest existing folder
 * above it is writable. Usage errors (exit 2) naming the path.
 */
final class Outputs {
    private Outputs() {
    }

    /** {@code out} (given as {@code option}) will be a file written by {@code command}. */
    static void checkFile(String command, String option, Path out, Path... inputs) {
        for (Path in : inputs) {
            if (same(out, in)) {
                throw CliException.usage(command + ": " + option + " " + out + " is the input " + in
                        + "; it would be overwritten (give another path)");
            }
        }
        if (Files.isDirectory(out)) {
            throw CliException.usage(command + ": " + option + " " + out + " is a folder; give a file path");
        }
        if (Files.exists(out) && !Files.isWritable(out)) {
            throw CliException.usage(command + ": " + option + " " + out + " is not writable");
        }
        checkParent(command, option, out);
    }

    /** {@code out} (given as {@code option}) will be a folder {@code command} writes files into. */
    static void checkFolder(String command, String option, Path out, Path... inputs) {
        for (Path in : inputs) {
            if (same(out, in)) {
                throw CliException.usage(command + ": " + option + " " + out + " is the input " + in);
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw CliException.usage(command + ": " + option + " " + out + " is a file, not a folder");
        }
        if (Files.isDirectory(out)) {
            if (!Files.isWritable(out)) {
                throw CliException.usage(command + ": " + option + " folder " + out + " is not writable");
            }
            return;
        }
        checkParent(command, option, out);
    }

    private static void checkParent(String command, String option, Path out) {
        Path p = out.toAbsolutePath().normalize().getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw CliException.usage(command + ": " + option + " " + out + " cannot be created: " + p
                    + " is a file, not a folder");
        }
        if (!Files.isWritable(p)) {
            throw CliException.usage(command + ": " + option + " " + out + " cannot be created: folder " + p
                    + " is not writable");
        }
    }

    private static boolean same(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
