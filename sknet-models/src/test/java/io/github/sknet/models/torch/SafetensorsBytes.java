package io.github.sknet.models.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A .safetensors file's bytes from a header and data as given (well-formed or not): for tests of the reader. */
public final class SafetensorsBytes {
    private SafetensorsBytes() {
    }

    /** The header's length (8 bytes, little-endian), the header as UTF-8, then {@code data}. */
    public static byte[] of(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }
}
