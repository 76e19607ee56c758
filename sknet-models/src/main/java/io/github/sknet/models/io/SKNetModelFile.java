package io.github.sknet.models.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.io.UncheckedIOException;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.data.ImagePreprocessing;

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
     * @param arch          the {@link io.github.sknet.models.SKNetVariant#id() variant id}, or "unknown"
     * @param size          input height and width in pixels, or -1 if unknown
     * @param classes       class names in label (output column) order
     * @param epochsDone    epochs trained so far
     * @param preprocessing how image files become the network's input (null where the size is unknown)
     */
    public record Meta(String arch, int size, List<String> classes, int epochsDone, ImagePreprocessing preprocessing) {
        private static final ObjectMapper JSON = new ObjectMapper();

        public Meta {
            Objects.requireNonNull(arch, "arch");
            classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
            if (epochsDone < 0) {
                throw new IllegalArgumentException("epochsDone must be >= 0, got " + epochsDone);
            }
        }

        /** With the plain preparation of {@code sknet train}: the whole image at size x size, values in [0, 1]. */
        public Meta(String arch, int size, List<String> classes, int epochsDone) {
            this(arch, size, classes, epochsDone, size > 0 ? ImagePreprocessing.plain(size) : null);
        }

        public Meta withEpochsDone(int epochs) {
            return new Meta(arch, size, classes, epochs, preprocessing);
        }

        public String toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("arch", arch);
            o.put("size", size);
            o.put("epochs_done", epochsDone);
            ArrayNode c = o.putArray("classes");
            classes.forEach(c::add);
            if (preprocessing != null) {
                ObjectNode p = o.putObject("preprocessing");
                p.put("size", preprocessing.size());
                p.put("crop_pct", preprocessing.cropPct());
                p.put("interpolation", "bicubic");
                p.put("channels", "RGB");
                ArrayNode mean = p.putArray("mean"), std = p.putArray("std");
                for (int i = 0; i < 3; i++) {
                    mean.add(preprocessing.mean()[i]);
                    std.add(preprocessing.std()[i]);
                }
            }
            try {
                return JSON.writeValueAsString(o);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public static Meta fromJson(String json) {
            JsonNode o;
            try {
                o = JSON.readTree(json);
            } catch (IOException e) {
                throw new IllegalArgumentException("model metadata is not JSON: " + e.getMessage(), e);
            }
            String arch = required(o, "arch").asText();
            int size = required(o, "size").asInt();
            int epochs = required(o, "epochs_done").asInt();
            List<String> classes = new ArrayList<>();
            required(o, "classes").forEach(n -> classes.add(n.asText()));
            JsonNode p = o.get("preprocessing");
            if (p == null) {
                return new Meta(arch, size, classes, epochs);
            }
            double[] mean = new double[3], std = new double[3];
            for (int i = 0; i < 3; i++) {
                mean[i] = required(p, "mean").get(i).asDouble();
                std[i] = required(p, "std").get(i).asDouble();
            }
            return new Meta(arch, size, classes, epochs, new ImagePreprocessing(required(p, "size").asInt(),
                    required(p, "crop_pct").asDouble(), mean, std));
        }

        private static JsonNode required(JsonNode o, String key) {
            JsonNode n = o.get(key);
            if (n == null) {
                throw new IllegalArgumentException("model metadata lacks \"" + key + "\"");
            }
            return n;
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
            Path tmp = AtomicFiles.tempFile(file); // ModelSerializer needs a file; owner-only, cleaned as stale
            try {
                ModelSerializer.writeModel(g, tmp.toFile(), withUpdater);
                // the metadata entry as ModelSerializer.addObjectToFile writes it ("objects/<key>", a serialized
                // object), added here while copying: addObjectToFile copies the model to a world-readable
                // temporary file in java.io.tmpdir, which a killed run would leave behind
                ZipOutputStream zip = new ZipOutputStream(out);
                try (ZipFile in = new ZipFile(tmp.toFile())) {
                    Enumeration<? extends ZipEntry> entries = in.entries();
                    while (entries.hasMoreElements()) {
                        ZipEntry e = entries.nextElement();
                        if (e.getName().equals("objects/" + META_KEY)) {
                            continue;
                        }
                        zip.putNextEntry(new ZipEntry(e.getName()));
                        try (InputStream is = in.getInputStream(e)) {
                            is.transferTo(zip);
                        }
                        zip.closeEntry();
                    }
                }
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
                    o.writeObject(meta.toJson());
                }
                ZipEntry e = new ZipEntry("objects/" + META_KEY);
                e.setSize(bytes.size());
                zip.putNextEntry(e);
                zip.write(bytes.toByteArray());
                zip.closeEntry();
                zip.finish();
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
            int classes = (int) g.getLayer(SKNet.LOGITS).getParam("b").length();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(String.valueOf(i));
            }
            return new Meta("unknown", -1, names, 0);
        }
    }
}
