package io.github.sknet.app;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.deeplearning4j.nn.graph.ComputationGraph;

import io.github.sknet.models.io.SKNetModelFile;

/**
 * {@link SKNetModelFile} for the CLI: read failures become {@link CliException}s (a missing file is a
 * usage error, exit 2; an unreadable one a failure, exit 1).
 */
final class ModelFiles {
    private ModelFiles() {
    }

    static void save(ComputationGraph g, SKNetModelFile.Meta meta, Path file, boolean withUpdater) throws IOException {
        SKNetModelFile.save(g, meta, file, withUpdater);
    }

    static ComputationGraph load(Path file, boolean withUpdater) {
        try {
            return SKNetModelFile.load(file, withUpdater);
        } catch (NoSuchFileException e) {
            throw CliException.usage("model file not found: " + file);
        } catch (IOException e) {
            throw CliException.failure(e.getMessage(), e);
        }
    }

    static SKNetModelFile.Meta meta(Path file, ComputationGraph g) {
        return SKNetModelFile.meta(file, g);
    }
}
