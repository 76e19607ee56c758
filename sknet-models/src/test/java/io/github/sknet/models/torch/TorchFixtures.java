package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import io.github.sknet.models.TestResources;

/** The fixtures tools/reference/timm_reference.py writes into fixtures/torch/. */
public final class TorchFixtures {
    private TorchFixtures() {
    }

    public static Path resource(String name) {
        return TestResources.path("/fixtures/torch/" + name);
    }

    /** fixtures/torch/NAME.gz.gz gunzipped twice into dir/NAME: the file exactly as PyTorch / numpy wrote it. */
    public static Path unpacked(String name, Path dir) throws IOException {
        Path out = dir.resolve(name);
        if (!Files.exists(out)) {
            try (InputStream in = new GZIPInputStream(new GZIPInputStream(Files.newInputStream(resource(name + ".gz.gz")),
                    1 << 16), 1 << 16); OutputStream o = Files.newOutputStream(out)) {
                in.transferTo(o);
            }
        }
        return out;
    }
}
