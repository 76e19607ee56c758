package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.nd4j.linalg.api.ndarray.INDArray;

/** numpy .npz archives (numpy.savez and numpy.savez_compressed): one .npy entry per array, stored or deflated. */
public final class NpzFormat {
    private NpzFormat() {
    }

    /** Whether the zip's entries are all .npy arrays (a .npz). */
    static boolean looksLikeNpz(ZipFile zip) {
        Enumeration<? extends ZipEntry> en = zip.entries();
        boolean any = false;
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (!e.isDirectory() && !e.getName().endsWith(".npy")) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** The arrays by name (entry name without ".npy"), in the archive's order. */
    public static Map<String, INDArray> read(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return read(zip);
        }
    }

    static Map<String, INDArray> read(ZipFile zip) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (e.isDirectory()) {
                continue;
            }
            String name = e.getName();
            if (!name.endsWith(".npy")) {
                throw new IllegalArgumentException("entry '" + name + "' is not a .npy array");
            }
            byte[] bytes;
            try (InputStream in = zip.getInputStream(e)) {
                bytes = in.readAllBytes();
            }
            try {
                out.put(name.substring(0, name.length() - 4), NpyFormat.parse(bytes));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("array '" + name + "': " + ex.getMessage(), ex);
            }
        }
        return out;
    }
}
