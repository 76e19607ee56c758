package io.github.sknet.models.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

/**
 * Writes to a temporary file beside the target and renames it into place: never a half-written output,
 * for readers and for concurrent writers alike (the last rename wins; each writer has its own temporary
 * file). Temporary files are named {@code .<target name>.<random>.tmp}, created readable by the owner only
 * (Files.createTempFile's rw-------), and those a killed process left behind are deleted by the next
 * write to the same target once they are older than {@link #STALE} (a younger one may belong to a write
 * still running in another process).
 */
public final class AtomicFiles {
    /** Age after which a temporary file of the same target is taken for one of a killed run. */
    public static final Duration STALE = Duration.ofHours(1);

    private AtomicFiles() {
    }

    public static void write(Path target, Npy.Writer body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        cleanStale(target);
        Path tmp = tempFile(target);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A new owner-only temporary file beside {@code target}, named as {@link #isTempOf} recognises. */
    public static Path tempFile(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        return Files.createTempFile(dir, prefix(target), ".tmp");
    }

    /** Whether {@code file} is named as a temporary file of {@code target}. */
    public static boolean isTempOf(Path file, Path target) {
        String n = file.getFileName().toString();
        return n.startsWith(prefix(target)) && n.endsWith(".tmp");
    }

    private static String prefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /** Deletes the temporary files of {@code target} older than {@link #STALE}; returns how many. */
    public static int cleanStale(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        FileTime cutoff = FileTime.from(Instant.now().minus(STALE));
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> isTempOf(f, target))) {
            for (Path f : files) {
                try {
                    if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).compareTo(cutoff) < 0) {
                        Files.deleteIfExists(f);
                        n++;
                    }
                } catch (IOException e) {
                    // another process removed or replaced it: not ours to report
                }
            }
        } catch (IOException e) {
            return n;
        }
        return n;
    }
}
