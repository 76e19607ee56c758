package io.github.sknet.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The training progress line's images/s counts from the epoch's start, not from the bar's first report. */
class ProgressBarTest {
    @Test
    void firstReportRateCountsTheFirstBatchsTime() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long twoSecondsAgo = System.nanoTime() - 2_000_000_000L;
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "epoch 1/1", 640, twoSecondsAgo)
                .update(64, 2.3);
        String line = bytes.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("([0-9.]+) img/s").matcher(line);
        assertTrue(m.find(), line);
        double rate = Double.parseDouble(m.group(1));
        assertTrue(rate > 0 && rate <= 32.0, "64 images in 2 s or more, printed: " + line);
    }
}
