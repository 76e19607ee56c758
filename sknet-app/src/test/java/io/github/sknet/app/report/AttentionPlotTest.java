package io.github.sknet.app.report;

import static io.github.sknet.app.report.Rejections.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attention-vs-scale plot is a readable PNG of a sensible size, written without leftovers; bad input is named. */
class AttentionPlotTest {
    private static final List<String> UNITS = List.of("stage_1.0", "stage_2.0", "stage_3.0");
    private static final double[] SCALES = {1.0, 1.5, 2.0};
    private static final List<double[]> VALUES = List.of(new double[] {0.045, 0.015, 0.039},
            new double[] {0.032, 0.071, 0.119}, new double[] {0.005, -0.004, -0.013});

    @Test
    void writesAReadablePngAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("attention").resolve("attention.png");
        AttentionPlot.write(png, UNITS, SCALES, VALUES, "sknet_small: attention vs object scale");

        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads the plot");
        assertEquals(900, img.getWidth());
        assertEquals(520, img.getHeight());
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList(), "only the PNG is left behind");
        }
        // the three series are drawn: the plot is not a blank canvas
        int rgb0 = img.getRGB(450, 260);
        boolean varied = false;
        for (int y = 40; y < 480 && !varied; y += 3) {
            for (int x = 60; x < 860 && !varied; x += 3) {
                varied = img.getRGB(x, y) != rgb0;
            }
        }
        assertTrue(varied, "something is drawn");
    }

    @Test
    void oneUnitAndOneScaleStillPlot(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("one.png");
        AttentionPlot.write(png, List.of("stage_1.0"), new double[] {1.0}, List.<double[]>of(new double[] {0.1}), "one");
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void rejectsMismatchedInputNamingTheProblem(@TempDir Path dir) {
        Path png = dir.resolve("bad.png");
        rejects(() -> AttentionPlot.write(png, List.of(), SCALES, List.of(), "t"), "one row of values per SK unit", "0 units");
        rejects(() -> AttentionPlot.write(png, UNITS, SCALES, VALUES.subList(0, 2), "t"), "3 units and 2 rows");
        rejects(() -> AttentionPlot.write(png, UNITS, new double[0], VALUES, "t"), "no scales");
        rejects(() -> AttentionPlot.write(png, UNITS, SCALES,
                List.of(VALUES.get(0), new double[] {0.1, 0.2}, VALUES.get(2)), "t"), "stage_2.0", "2 values for 3 scales");
        assertFalse(Files.exists(png), "nothing written for refused input");
    }
}
