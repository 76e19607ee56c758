package io.github.sknet.models.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import io.github.sknet.models.io.AtomicFiles;

/**
 * Model zips as the CLI writes them: DL4J's ModelSerializer format (readable by any DL4J code) plus a
 * small JSON entry "sknet" with the architecture, input size, class names and epochs done. Writes are
 * atomic: the zip is built beside the target and renamed into place.
 */
final class ModelFiles {
    static final String META_KEY = "sknet";

    /** What the CLI needs to know about a saved model. */
    static final class Meta {
        final String arch;
        final int size;
        final List<String> classes;
        final int epochsDone;

        Meta(String arch, int size, List<String> classes, int epochsDone) {
            this.arch = arch;
            this.size = size;
            this.classes = classes;
            this.epochsDone = epochsDone;
        }

        String toJson() {
            StringBuilder sb = new StringBuilder("{\"arch\": \"").append(arch).append("\", \"size\": ").append(size)
                    .append(", \"epochs_done\": ").append(epochsDone).append(", \"classes\": [");
            for (int i = 0; i < classes.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append('"').append(classes.get(i).replace("\"", "'")).append('"');
            }
            return sb.append("]}").toString();
        }

        static Meta fromJson(String json) {
            String arch = group(json, "\"arch\":\\s*\"([^\"]*)\"");
            int size = Integer.parseInt(group(json, "\"size\":\\s*(\\d+)"));
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

    private ModelFiles() {
    }

    static void save(ComputationGraph g, Meta meta, Path file, boolean withUpdater) throws IOException {
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

    static ComputationGraph load(Path file, boolean withUpdater) {
        if (!Files.isRegularFile(file)) {
            throw CliException.usage("model file not found: " + file);
        }
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater);
        } catch (Exception e) {
            throw CliException.failure("cannot read model " + file + " (not a DL4J ComputationGraph zip, or corrupt): "
                    + e.getMessage(), e);
        }
    }

    static Meta meta(Path file, ComputationGraph g) {
        try {
            String json = ModelSerializer.getObjectFromFile(file.toFile(), META_KEY);
            return Meta.fromJson(json);
        } catch (Exception e) {
            // a zip written by other DL4J code: derive what we can from the graph
            int classes = (int) g.getLayer(io.github.sknet.models.SKNetBuilder.LOGITS).getParam("b").length();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(String.valueOf(i));
            }
            return new Meta("unknown", -1, names, 0);
        }
    }

}
