package io.github.sknet.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path dir;

    private void classes(Path root, int... counts) {
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                TestImages.write(root.resolve("c" + c).resolve(i + (i % 2 == 0 ? ".png" : ".jpg")), 8, 6, Color.GRAY, i);
            }
        }
    }

    @Test
    void stratifiedSplitKeepsEveryImageOfUnevenClasses() throws Exception {
        classes(dir, 30, 10, 10, 5, 5, 5);
        Files.writeString(dir.resolve("c0").resolve("notes.txt"), "not an image");
        ImageFolder f = ImageFolder.open(dir, 0.2, 7);
        assertEquals(List.of("c0", "c1", "c2", "c3", "c4", "c5"), f.classes());
        assertArrayEquals(new int[] {24, 8, 8, 4, 4, 4}, f.counts(f.train()));
        assertArrayEquals(new int[] {6, 2, 2, 1, 1, 1}, f.counts(f.heldOut()));
        Set<Path> all = new HashSet<>();
        f.train().forEach(s -> all.add(s.file()));
        f.heldOut().forEach(s -> assertTrue(all.add(s.file()), "in both parts: " + s));
        assertEquals(65, all.size());
        assertFalse(f.givenSplit());
        assertTrue(f.warnings().isEmpty(), f.warnings().toString());
        // the same seed gives the same split, another seed another one
        assertEquals(f.heldOut(), ImageFolder.open(dir, 0.2, 7).heldOut());
        assertFalse(f.heldOut().equals(ImageFolder.open(dir, 0.2, 8).heldOut()));
    }

    @Test
    void labelsFollowTheSortedClassFolders() {
        classes(dir, 3, 4);
        ImageFolder f = ImageFolder.all(dir);
        assertTrue(f.heldOut().isEmpty());
        for (ImageFolder.Sample s : f.train()) {
            assertEquals("c" + s.label(), s.file().getParent().getFileName().toString());
        }
    }

    @Test
    void trainAndValFoldersAreUsedAsGiven() {
        classes(dir.resolve("train"), 6, 4);
        classes(dir.resolve("val"), 2, 3);
        ImageFolder f = ImageFolder.open(dir, 0.2, 1);
        assertTrue(f.givenSplit());
        assertArrayEquals(new int[] {6, 4}, f.counts(f.train()));
        assertArrayEquals(new int[] {2, 3}, f.counts(f.heldOut()));
        assertTrue(f.heldOut().stream().allMatch(s -> s.file().startsWith(dir.resolve("val"))));
    }

    @Test
    void emptyClassFolderIsNamedInAWarning() throws Exception {
        classes(dir, 4, 4);
        Files.createDirectories(dir.resolve("empty_class"));
        ImageFolder f = ImageFolder.open(dir, 0.25, 1);
        assertEquals(1, f.warnings().size());
        assertTrue(f.warnings().get(0).contains("empty_class") && f.warnings().get(0).contains("no images"),
                f.warnings().get(0));
    }

    @Test
    void badFoldersGiveMessagesNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.open(dir.resolve("missing"), 0.2, 1));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("missing"), e.getMessage());
        classes(dir, 3);
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.open(dir, 0.2, 1));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        classes(dir.resolve("train"), 2, 2, 2);
        classes(dir.resolve("val"), 2, 2);
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.open(dir, 0.2, 1));
        assertTrue(e.getMessage().contains("val/ has classes"), e.getMessage());
    }

    @Test
    void filesListsOnlyImageExtensions() {
        assertTrue(ImageFolder.isImage(Path.of("a/B.JPG")));
        assertTrue(ImageFolder.isImage(Path.of("a/b.png")));
        assertFalse(ImageFolder.isImage(Path.of("a/.hidden.png")));
        assertFalse(ImageFolder.isImage(Path.of("a/b.txt")));
    }
}
