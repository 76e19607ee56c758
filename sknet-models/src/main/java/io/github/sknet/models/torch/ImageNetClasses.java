package io.github.sknet.models.torch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The 1000 ImageNet-1k classes in the class-index order of timm's (and torchvision's) ImageNet models,
 * from the resource {@value #RESOURCE} (copied from the timm 1.0.29 wheel; its header says how).
 */
public final class ImageNetClasses {
    /** Classpath resource: comment lines, then one {@code synset TAB lemmas} line per class. */
    public static final String RESOURCE = "/io/github/sknet/models/torch/imagenet-1k-classes.tsv";
    public static final int COUNT = 1000;

    private static volatile List<String[]> rows;

    private ImageNetClasses() {
    }

    /** The WordNet synset ids ("n01440764"), in class-index order. */
    public static List<String> synsets() {
        List<String> out = new ArrayList<>();
        for (String[] r : rows()) {
            out.add(r[0]);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The class names, in class-index order: each class's WordNet lemmas as timm describes it ("tench, Tinca
     * tinca"); the one lemma two classes share ("crane", the bird and the machine) gets its synset id appended
     * ("crane (n02012849)"), so that the 1000 names are distinct.
     */
    public static List<String> names() {
        List<String[]> r = rows();
        Map<String, Integer> count = new HashMap<>();
        for (String[] row : r) {
            count.merge(row[1], 1, Integer::sum);
        }
        List<String> out = new ArrayList<>();
        for (String[] row : r) {
            out.add(count.get(row[1]) > 1 ? row[1] + " (" + row[0] + ")" : row[1]);
        }
        return Collections.unmodifiableList(out);
    }

    private static List<String[]> rows() {
        List<String[]> r = rows;
        if (r == null) {
            r = read();
            rows = r;
        }
        return r;
    }

    private static List<String[]> read() {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = ImageNetClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
            }
            BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = br.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                if (tab < 1) {
                    throw new IllegalStateException(RESOURCE + ": malformed line '" + line + "'");
                }
                out.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.size() != COUNT) {
            throw new IllegalStateException(RESOURCE + " has " + out.size() + " classes, expected " + COUNT);
        }
        return List.copyOf(out);
    }
}
