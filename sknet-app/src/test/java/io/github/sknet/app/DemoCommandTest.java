package io.github.sknet.app;

import static io.github.sknet.app.SknetCommandTest.sknet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.sknet.app.SknetCommandTest.Result;

/** {@code sknet demo}: one epoch's line per epoch, and each class's attention over the two branches. */
class DemoCommandTest {
    private static final Pattern EPOCH = Pattern.compile(
            "epoch (\\d+)/2  loss ([0-9.]+)  held-out accuracy ([0-9.]+)  \\([0-9.]+ s\\)");
    private static final Pattern CLASS = Pattern.compile("  (.+?) +branch0 ([0-9.]+)  branch1 ([0-9.]+)");

    @Test
    void printsLossAccuracyAndAttentionPerClass() {
        Result r = sknet("demo", "--epochs", "2", "--seed", "3");
        assertEquals(0, r.code, r.err);
        List<String> lines = r.out.lines().toList();
        assertTrue(lines.get(0).matches("graph: \\d+ parameters, SKConv .+"), lines.get(0));
        for (int e = 1; e <= 2; e++) {
            Matcher m = EPOCH.matcher(lines.get(e));
            assertTrue(m.matches(), lines.get(e));
            assertEquals(e, Integer.parseInt(m.group(1)));
            assertTrue(Double.parseDouble(m.group(2)) > 0, "loss");
            double acc = Double.parseDouble(m.group(3));
            assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        }
        assertTrue(lines.get(3).startsWith("mean attention per class"), lines.get(3));
        List<String> names = List.of("small square", "large square", "ring");
        for (int c = 0; c < 3; c++) {
            Matcher m = CLASS.matcher(lines.get(4 + c));
            assertTrue(m.matches(), lines.get(4 + c));
            assertEquals(names.get(c), m.group(1));
            // the attention is a softmax over the two branches: the means sum to 1
            assertEquals(1.0, Double.parseDouble(m.group(2)) + Double.parseDouble(m.group(3)), 2e-3, lines.get(4 + c));
        }
        assertEquals(7, lines.size(), r.out);
    }

    @Test
    void badOptionsAreUsageErrors() {
        Result r = sknet("demo", "--epochs", "0");
        assertEquals(2, r.code);
        assertTrue(r.err.startsWith("sknet demo: ") && r.err.contains("--epochs must be >= 1, got 0"), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertEquals(2, sknet("demo", "--size", "8").code);
    }
}
