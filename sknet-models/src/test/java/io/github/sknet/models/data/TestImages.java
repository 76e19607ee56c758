package io.github.sknet.models.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import javax.imageio.ImageIO;

/** Image files written as a camera or an image tool would: 8-bit RGB PNG / JPEG of any size. */
public final class TestImages {
    private TestImages() {
    }

    /** A {@code w x h} RGB image filled with one colour plus a little noise, written as PNG or JPEG by extension. */
    public static Path write(Path file, int w, int h, Color c, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int d = r.nextInt(9) - 4;
                img.setRGB(x, y, new Color(clamp(c.getRed() + d), clamp(c.getGreen() + d), clamp(c.getBlue() + d)).getRGB());
            }
        }
        return save(img, file);
    }

    /**
     * A textured "photo" of class {@code label} out of 3: a disc, a bar or a ring of random colour, size and
     * position over a random-gradient background with clutter lines.
     */
    public static Path photo(Path file, int size, int label, Random r) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, new Color(r.nextInt(90), r.nextInt(90), r.nextInt(90)), size, size,
                new Color(r.nextInt(90), r.nextInt(90), r.nextInt(90))));
        g.fillRect(0, 0, size, size);
        g.setColor(new Color(60 + r.nextInt(60), 60 + r.nextInt(60), 60 + r.nextInt(60)));
        for (int i = 0; i < 3; i++) {
            g.drawLine(r.nextInt(size), r.nextInt(size), r.nextInt(size), r.nextInt(size));
        }
        g.setColor(new Color(150 + r.nextInt(106), 150 + r.nextInt(106), 150 + r.nextInt(106)));
        int s = size / 3 + r.nextInt(size / 3), x = r.nextInt(size - s + 1), y = r.nextInt(size - s + 1);
        switch (label) {
            case 0 -> g.fillOval(x, y, s, s);
            case 1 -> g.fillRect(x, y + s / 3, s, Math.max(2, s / 3));
            default -> {
                g.setStroke(new java.awt.BasicStroke(Math.max(2, s / 6f)));
                g.drawOval(x, y, s, s);
            }
        }
        g.dispose();
        return save(img, file);
    }

    /** {@code perClass[c]} photos of each class c into {@code dir/class_c/}. */
    public static Path photoFolder(Path dir, int size, int[] perClass, long seed) {
        Random r = new Random(seed);
        for (int c = 0; c < perClass.length; c++) {
            for (int i = 0; i < perClass[c]; i++) {
                photo(dir.resolve("class_" + c).resolve(String.format("img_%04d.png", i)), size, c % 3, r);
            }
        }
        return dir;
    }

    private static Path save(BufferedImage img, Path file) {
        try {
            Files.createDirectories(file.getParent());
            String n = file.getFileName().toString();
            ImageIO.write(img, n.endsWith(".jpg") ? "jpg" : "png", file.toFile());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
