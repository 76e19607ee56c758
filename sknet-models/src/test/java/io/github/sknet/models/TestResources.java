package io.github.sknet.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A test resource as a file: these tests' own resources are files already; read by another module's
 * tests from sknet-models' test-jar, a resource is copied out to a temporary file (deleted on exit).
 */
public final class TestResources {
    private TestResources() {
    }

    /** {@code name} is absolute on the classpath, e.g. {@code /fixtures/torch/dtypes.npz}. */
    public static Path path(String name) {
        URL url = TestResources.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("no test resource " + name);
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            String file = name.substring(name.lastIndexOf('/') + 1);
            Path copy = Files.createTempFile("sknet-test-", "-" + file);
            copy.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test resource " + name, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("test resource " + name + ": " + url, e);
        }
    }
}
