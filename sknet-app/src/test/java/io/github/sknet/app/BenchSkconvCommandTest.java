package io.github.sknet.app;

import static io.github.sknet.app.SknetCommandTest.sknet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.sknet.app.SknetCommandTest.Result;
import io.github.sknet.layer.samediff.Helpers;

/** {@code sknet bench-skconv} on a small workload: the rows it promises, PyTorch figures read, bad options. */
class BenchSkconvCommandTest {
    @TempDir
    Path dir;

    /** The row of workload {@code name}: the name, then the figures. */
    private static String row(Result r, String name) {
        List<String> rows = Arrays.stream(r.out.split("\n"))
                .filter(l -> l.startsWith(name) && l.substring(name.length()).matches("\\s+[0-9].*")).toList();
        assertEquals(1, rows.size(), "one row '" + name + "' in\n" + r.out);
        return rows.get(0);
    }

    /** The first number after the workload name: our median ms. */
    private static double ms(String row, String name) {
        return Double.parseDouble(row.substring(name.length()).trim().split("\\s+")[0]);
    }

    @Test
    void timesEveryWorkloadOnBothPathsNextToThePyTorchFigures() throws Exception {
        Path torch = dir.resolve("torch.json");
        Files.writeString(torch, "{\"skconv N=2 C=32 8x8 inference\": 0.5, \"note\": \"not a figure\"}");
        Result r = sknet("bench-skconv", "--iters", "1", "--warmup", "0", "--shapes", "2x32x8", "--samediff",
                "--pytorch", torch.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("workload")), r.out);
        String inference = "SKConv N=2 C=32 8x8 inference forward";
        String inf = row(r, inference);
        double ours = ms(inf, inference);
        assertTrue(ours > 0, inf);
        // PyTorch's figure from the file, and our time over it
        String[] cols = inf.substring(inference.length()).trim().split("\\s+");
        assertEquals(0.5, Double.parseDouble(cols[1]), 1e-9, inf);
        assertTrue(cols[2].endsWith("x"), inf);
        // ours is printed to 0.1 ms, the ratio to 0.01: they agree up to that rounding
        assertEquals(ours / 0.5, Double.parseDouble(cols[2].substring(0, cols[2].length() - 1)), 0.05 / 0.5 + 0.01, inf);
        assertTrue(ms(row(r, "SKConv N=2 C=32 8x8 training fwd+bwd"), "SKConv N=2 C=32 8x8 training fwd+bwd") > 0);
        assertTrue(ms(row(r, inference + " [SameDiff]"), inference + " [SameDiff]") > 0);
        assertTrue(row(r, "SKConv N=2 C=32 8x8 training fwd+bwd [SameDiff]").contains("-"), "no PyTorch figure: '-'");
        if (r.out.contains("grouped conv helper: none")) {
            assertTrue(r.out.contains("oneDNN"), r.out);
        } else {
            // a ~0.05 ms call, printed to 0.1 ms: 0.0 is a time too
            assertTrue(ms(row(r, "grouped conv G=32 d=2 N=2 C=32 8x8 fwd"), "grouped conv G=32 d=2 N=2 C=32 8x8 fwd") >= 0);
        }
        assertTrue(Helpers.enabled(), "--samediff must leave the helpers on");
    }

    @Test
    void badOptionsAreOneLineUsageErrors() {
        for (String[] bad : new String[][] {
                {"--shapes", "2x33x8"}, {"--shapes", "2x32"}, {"--iters", "0"}, {"--pytorch", dir.resolve("no.json").toString()},
                {"--colour"}}) {
            String[] args = new String[bad.length + 1];
            args[0] = "bench-skconv";
            System.arraycopy(bad, 0, args, 1, bad.length);
            Result r = sknet(args);
            assertEquals(2, r.code, String.join(" ", args));
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(r.err.startsWith("sknet bench-skconv: "), r.err);
            assertTrue(r.err.contains(bad[0]), "names " + bad[0] + ": " + r.err);
            assertTrue(r.out.isEmpty(), "no timings after a refused command: " + r.out);
        }
    }
}
