package io.github.sknet.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/** Atomic writes under concurrency (issue 16), temporary files owner-only, stale ones cleaned. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void twoWritersAndAReaderNeverSeeAHalfWrittenFile() throws Exception {
        Path target = dir.resolve("y.npy");
        int size = 1 << 21;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (byte fill : new byte[] {'A', 'B'}) {
            byte[] content = new byte[size];
            Arrays.fill(content, fill);
            writers.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 15; i++) {
                        // written in pieces, as a slow writer would: a reader must never see a prefix
                        AtomicFiles.write(target, out -> {
                            for (int off = 0; off < size; off += 1 << 16) {
                                out.write(content, off, 1 << 16);
                            }
                        });
                    }
                } catch (Exception e) {
                    problems.add("writer: " + e);
                }
            }));
        }
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    byte[] b = Files.readAllBytes(target);
                    reads.incrementAndGet();
                    if (b.length != size || !(allEqual(b, (byte) 'A') || allEqual(b, (byte) 'B'))) {
                        problems.add("read " + b.length + " bytes, not one writer's complete file");
                    }
                } catch (NoSuchFileException e) {
                    // before the first rename
                } catch (Exception e) {
                    problems.add("reader: " + e);
                }
            }
        });
        reader.start();
        writers.forEach(Thread::start);
        for (Thread t : writers) {
            t.join();
        }
        done.set(true);
        reader.join();
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(reads.get() > 0, "the reader read");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList(), "no temporary file left");
        }
    }

    @Test
    void aModelIsNeverHalfReadWhileAnotherSaveReplacesIt() throws Exception {
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(3).inputShape(3, 32, 32).build().init();
        Path model = dir.resolve("model.zip");
        SKNetModelFile.Meta meta = new SKNetModelFile.Meta("sknet_small", 32, List.of("a", "b", "c"), 1);
        SKNetModelFile.save(g, meta, model, false);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger loads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!done.get() || loads.get() == 0) {
                try {
                    ComputationGraph r = SKNetModelFile.load(model, false);
                    if (r.numParams() != g.numParams() || SKNetModelFile.meta(model, r).epochsDone() != 1) {
                        problems.add("a different model read");
                    }
                    loads.incrementAndGet();
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            }
        });
        reader.start();
        for (int i = 0; i < 4; i++) {
            SKNetModelFile.save(g, meta, model, true);
        }
        done.set(true);
        reader.join();
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void temporaryFilesAreOwnerOnlyAndStaleOnesOfTheTargetAreCleaned() throws Exception {
        Path target = dir.resolve("out.npy");
        Path stale = dir.resolve(".out.npy.123456.tmp");
        Path fresh = dir.resolve(".out.npy.654321.tmp");
        Path otherTarget = dir.resolve(".other.npy.123456.tmp");
        Path notTemp = dir.resolve("out.npy.tmp");
        for (Path p : List.of(stale, fresh, otherTarget, notTemp)) {
            Files.writeString(p, "partial");
        }
        FileTime old = FileTime.from(Instant.now().minus(AtomicFiles.STALE).minusSeconds(60));
        for (Path p : List.of(stale, otherTarget, notTemp)) {
            Files.setLastModifiedTime(p, old);
        }
        List<String> tempPermissions = new ArrayList<>();
        AtomicFiles.write(target, out -> {
            out.write(1);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (AtomicFiles.isTempOf(p, target) && !p.equals(fresh)) {
                        tempPermissions.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                    }
                }
            }
        });
        assertEquals(List.of("rw-------"), tempPermissions, "the write's own temporary file, owner-only");
        assertFalse(Files.exists(stale), "a killed run's temporary file older than " + AtomicFiles.STALE);
        assertTrue(Files.exists(fresh), "a younger one may be another process's write in progress");
        assertTrue(Files.exists(otherTarget), "another target's");
        assertTrue(Files.exists(notTemp), "not named as a temporary file");
        assertEquals(1, Files.size(target));
    }

    private static boolean allEqual(byte[] b, byte v) {
        for (byte x : b) {
            if (x != v) {
                return false;
            }
        }
        return true;
    }
}
