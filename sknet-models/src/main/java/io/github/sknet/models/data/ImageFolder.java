package io.github.sknet.models.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An image folder with one sub-folder per class ({@code DIR/<class>/*.png}), or with {@code train/} and
 * {@code val/} sub-folders that each hold the class folders. Class names are the sub-folder names,
 * sorted; every image file (by extension) counts, none is dropped; class folders without images are
 * reported in {@link #warnings()}.
 */
public final class ImageFolder {
    /** Extensions read (what OpenCV decodes), lower case. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "ppm", "pgm");

    /** One image and its label (index into {@link #classes()}). */
    public record Sample(Path file, int label) {
    }

    private final Path root;
    private final List<String> classes;
    private final List<Sample> train;
    private final List<Sample> heldOut;
    private final boolean givenSplit;
    private final List<String> warnings;

    private ImageFolder(Path root, List<String> classes, List<Sample> train, List<Sample> heldOut, boolean givenSplit,
                        List<String> warnings) {
        this.root = root;
        this.classes = List.copyOf(classes);
        this.train = List.copyOf(train);
        this.heldOut = List.copyOf(heldOut);
        this.givenSplit = givenSplit;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Reads {@code dir}: with {@code train/} and {@code val/} sub-folders those are the two parts;
     * otherwise each class is split on its own (stratified) into {@code round(n * heldOutFraction)}
     * held-out images (at least one where the class has two or more) and the rest, shuffled with
     * {@code seed}.
     */
    public static ImageFolder open(Path dir, double heldOutFraction, long seed) {
        if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + heldOutFraction);
        }
        checkDirectory(dir);
        Path trainDir = dir.resolve("train"), valDir = dir.resolve("val");
        List<String> warnings = new ArrayList<>();
        if (Files.isDirectory(trainDir) && Files.isDirectory(valDir)) {
            List<String> classes = classFolders(trainDir);
            List<String> valClasses = classFolders(valDir);
            if (!valClasses.equals(classes)) {
                throw new IllegalArgumentException("image folder " + dir + ": val/ has classes " + valClasses
                        + ", train/ has " + classes);
            }
            List<List<Path>> tr = files(trainDir, classes, warnings), va = files(valDir, classes, warnings);
            return new ImageFolder(dir, classes, samples(tr), samples(va), true, warnings);
        }
        List<String> classes = classFolders(dir);
        List<List<Path>> perClass = files(dir, classes, warnings);
        Random rng = new Random(seed);
        List<Sample> train = new ArrayList<>(), heldOut = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> f = new ArrayList<>(perClass.get(c));
            Collections.shuffle(f, rng);
            int n = f.size();
            int h = heldOutFraction == 0 || n < 2 ? 0 : Math.max(1, (int) Math.round(n * heldOutFraction));
            for (int i = 0; i < n; i++) {
                (i < h ? heldOut : train).add(new Sample(f.get(i), c));
            }
        }
        return new ImageFolder(dir, classes, train, heldOut, false, warnings);
    }

    /** Every image of {@code dir} (one sub-folder per class), none held out. */
    public static ImageFolder all(Path dir) {
        return open(dir, 0, 0);
    }

    private static void checkDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("image folder not found: " + dir);
        }
    }

    private static List<String> classFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().collect(Collectors.toList());
            if (names.size() < 2) {
                throw new IllegalArgumentException("image folder " + dir + " needs one sub-folder per class (at least 2), found "
                        + names.size());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<List<Path>> files(Path dir, List<String> classes, List<String> warnings) {
        List<List<Path>> out = new ArrayList<>();
        for (String c : classes) {
            try (Stream<Path> s = Files.walk(dir.resolve(c))) {
                List<Path> f = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted()
                        .collect(Collectors.toList());
                if (f.isEmpty()) {
                    warnings.add("class folder " + dir.resolve(c) + " has no images (" + String.join(", ",
                            EXTENSIONS.stream().sorted().toList()) + ")");
                }
                out.add(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir.resolve(c) + ": " + e.getMessage(), e);
            }
        }
        if (out.stream().allMatch(List::isEmpty)) {
            throw new IllegalArgumentException("image folder " + dir + " has no images in its class folders " + classes);
        }
        return out;
    }

    public static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && !n.startsWith(".") && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<Sample> samples(List<List<Path>> perClass) {
        List<Sample> out = new ArrayList<>();
        for (int c = 0; c < perClass.size(); c++) {
            for (Path p : perClass.get(c)) {
                out.add(new Sample(p, c));
            }
        }
        return out;
    }

    public Path root() {
        return root;
    }

    public List<String> classes() {
        return classes;
    }

    public List<Sample> train() {
        return train;
    }

    public List<Sample> heldOut() {
        return heldOut;
    }

    /** Whether the folder had {@code train/} and {@code val/} (used as given) rather than being split here. */
    public boolean givenSplit() {
        return givenSplit;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** Images per class of {@code samples}. */
    public int[] counts(List<Sample> samples) {
        int[] n = new int[classes.size()];
        for (Sample s : samples) {
            n[s.label()]++;
        }
        return n;
    }
}
