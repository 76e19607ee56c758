package io.github.sknet.app.report;

import static io.github.sknet.app.report.Rejections.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plot is a readable PNG, written without leftovers; bad series are named. */
class TrainingPlotTest {

    @Test
    void writesAReadablePngAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("plots").resolve("training.png");
        TrainingPlot.write(png, List.of(1.6, 1.1, 0.8, 0.6), List.of(0.3, 0.55, 0.7, 0.78), "sknet-tiny / shapes");

        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads the plot");
        assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, img.getWidth() + "x" + img.getHeight());
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList(), "only the PNG is left behind");
        }
    }

    @Test
    void oneEpochAndADivergedEpochStillPlot(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one.png");
        TrainingPlot.write(one, List.of(2.3), List.of(0.2), "one epoch");
        assertNotNull(ImageIO.read(one.toFile()));

        Path diverged = dir.resolve("diverged.png");
        TrainingPlot.write(diverged, Arrays.asList(1.2, Double.POSITIVE_INFINITY, Double.NaN),
                List.of(0.4, 0.2, 0.2), "diverged");
        assertNotNull(ImageIO.read(diverged.toFile()));
    }

    @Test
    void rejectsEmptyMissingOrMismatchedSeries(@TempDir Path dir) {
        Path png = dir.resolve("bad.png");
        rejects(() -> TrainingPlot.write(png, List.of(), List.of(), "t"), "trainLoss", "empty");
        rejects(() -> TrainingPlot.write(png, List.of(1.0), List.of(), "t"), "heldOutAccuracy", "empty");
        rejects(() -> TrainingPlot.write(png, null, List.of(0.5), "t"), "trainLoss", "null");
        rejects(() -> TrainingPlot.write(png, List.of(1.0, 0.9), List.of(0.5), "t"), "one value per epoch", "2 and 1");
        rejects(() -> TrainingPlot.write(png, Arrays.asList(1.0, null), List.of(0.5, 0.6), "t"), "trainLoss[1]");
        assertThrows(NullPointerException.class, () -> TrainingPlot.write(png, List.of(1.0), List.of(0.5), null));
        assertFalse(Files.exists(png));
    }
}
