package io.github.sknet.models.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import io.github.sknet.models.SKNetBuilder;

/**
 * SKNet model zips: DL4J's ModelSerializer format (readable by any DL4J code) plus a small JSON entry
 * {@value #META_KEY} with the architecture, input size, class names and epochs done. The {@code sknet}
 * command and other modules (e.g. Spark training) write and read models through this class, so they
 * stay interchangeable. Writes are atomic: the zip is built beside the target and renamed into place.
 */
public final class SKNetModelFile {
    /** Name of the metadata entry inside the zip. */
    public static final String META_KEY = "sknet";

    /**
     * What is stored beside the network.
     *
     * @param arch       the {@link io.github.sknet.models.SKNetVariant#id() variant id}, or "unknown"
     * @param size       input height and width in pixels, or -1 if unknown
     * @param classes    class names in label (output column) order
     * @param epochsDone epochs trained so far
     */
    public record Meta(String arch, int size, List<String> classes, int epochsDone) {
        public Meta {
            Objects.requireNonNull(arch, "arch");
            classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
            if (epochsDone < 0) {
                throw new IllegalArgumentException("epochsDone must be >= 0, got " + epochsDone);
            }
        }

        public String toJson() {
            StringBuilder sb = new StringBuilder("{\"arch\": \"").append(arch).append("\", \"size\": ").append(size)
                    .append(", \"epochs_done\": ").append(epochsDone).append(", \"classes\": [");
            for (int i = 0; i < classes.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append('"').append(classes.get(i).replace("\"", "'")).append('"');
            }
            return sb.append("]}").toString();
        }

        public static Meta fromJson(String json) {
            String arch = group(json, "\"arch\":\\s*\"([^\"]*)\"");
            int size = Integer.parseInt(group(json, "\"size\":\\s*(-?\\d+)"));
            int epochs = Integer.parseInt(group(json, "\"epochs_done\":\\s*(\\d+)"));
            List<String> classes = new ArrayList<>();
            Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(group(json, "\"classes\":\\s*\\[([^\\]]*)\\]"));
            while (m.find()) {
                classes.add(m.group(1));
            }
            return new Meta(arch, size, classes, epochs);
        }

        private static String group(String json, String regex) {
            Matcher m = Pattern.compile(regex).matcher(json);
            if (!m.find()) {
                throw new IllegalArgumentException("model metadata lacks " + regex);
            }
            return m.group(1);
        }
    }

    private SKNetModelFile() {
    }

    /**
     * Writes {@code g} and {@code meta} to {@code file} atomically.
     *
     * @param withUpdater also store the updater state (to resume training; larger file)
     */
    public static void save(ComputationGraph g, Meta meta, Path file, boolean withUpdater) throws IOException {
        Objects.requireNonNull(g, "g");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(file, "file");
        AtomicFiles.write(file, out -> {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".model", ".zip");
            try {
                ModelSerializer.writeModel(g, tmp.toFile(), withUpdater);
                ModelSerializer.addObjectToFile(tmp.toFile(), META_KEY, meta.toJson());
                Files.copy(tmp, out);
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    /**
     * Reads the network of a model zip.
     *
     * @throws java.nio.file.NoSuchFileException if {@code file} is not a regular file
     * @throws IOException                        if it is not a DL4J ComputationGraph zip, or is corrupt
     */
    public static ComputationGraph load(Path file, boolean withUpdater) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "model file not found");
        }
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater);
        } catch (Exception e) {
            throw new IOException("cannot read model " + file + " (not a DL4J ComputationGraph zip, or corrupt): "
                    + e.getMessage(), e);
        }
    }

    /**
     * The metadata of {@code file}; for a zip written by other DL4J code (no {@value #META_KEY} entry),
     * what can be derived from the loaded graph {@code g}: arch "unknown", size -1, classes "0".."K-1".
     */
    public static Meta meta(Path file, ComputationGraph g) {
        try {
            String json = ModelSerializer.getObjectFromFile(file.toFile(), META_KEY);
            return Meta.fromJson(json);
        } catch (Exception e) {
            int classes = (int) g.getLayer(SKNetBuilder.LOGITS).getParam("b").length();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(String.valueOf(i));
            }
            return new Meta("unknown", -1, names, 0);
        }
    }
}
