package io.github.sknet.models.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Hugging Face .safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name: {dtype, shape, data_offsets: [begin, end]}}, optional {@code __metadata__}), then the
 * tensors' raw little-endian C-order bytes. F16, BF16, F32, F64 and the integer / bool types are read.
 */
public final class SafetensorsFormat {
    private static final long MAX_HEADER = 100L << 20;

    private SafetensorsFormat() {
    }

    /** Whether the first bytes look like a safetensors header: a plausible length and then '{'. */
    static boolean looksLikeSafetensors(byte[] head, long fileSize) {
        if (head.length < 9) {
            return false;
        }
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 1 && n <= MAX_HEADER && head[8] == '{';
    }

    public static Map<String, INDArray> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("files over 2 GB are not supported (" + size + " bytes)");
            }
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            return read(all);
        }
    }

    static Map<String, INDArray> read(ByteBuffer all) throws IOException {
        long size = all.capacity();
        if (size < 8) {
            throw new IllegalArgumentException("file ends inside the 8-byte header length (truncated?)");
        }
        long n = all.getLong(0);
        if (n < 2 || n > MAX_HEADER || 8 + n > size) {
            throw new IllegalArgumentException("header length " + n + " does not fit the file's " + size
                    + " bytes (truncated?)");
        }
        byte[] json = new byte[(int) n];
        all.position(8);
        all.get(json);
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(new String(json, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("the JSON header does not parse: " + e.getMessage().split("\n")[0]);
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("the JSON header is not an object");
        }
        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        Map<String, INDArray> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            JsonNode dt = t.get("dtype");
            JsonNode sh = t.get("shape");
            JsonNode off = t.get("data_offsets");
            if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray()
                    || off.size() != 2) {
                throw new IllegalArgumentException("tensor '" + name + "': header entry needs dtype, shape and "
                        + "data_offsets [begin, end], got " + t);
            }
            TensorDType type;
            try {
                type = TensorDType.valueOf(dt.asText());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("tensor '" + name + "': unsupported dtype '" + dt.asText()
                        + "' (expected F16, BF16, F32, F64, I8, U8, I16, I32, I64 or BOOL)");
            }
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).asLong(-1);
            }
            long begin = off.get(0).asLong(-1);
            long end = off.get(1).asLong(-1);
            long count = TensorDType.elements(shape);
            if (begin < 0 || end < begin || end > dataLen) {
                throw new IllegalArgumentException("tensor '" + name + "': data_offsets [" + begin + ", " + end
                        + "] lie outside the " + dataLen + " data bytes (truncated?)");
            }
            if (count < 0 || count * type.size() != end - begin) {
                throw new IllegalArgumentException("tensor '" + name + "': " + (end - begin) + " bytes do not hold "
                        + "shape " + java.util.Arrays.toString(shape) + " of " + type);
            }
            ByteBuffer b = all.duplicate();
            b.position((int) (dataStart + begin));
            b.limit((int) (dataStart + end));
            out.put(name, type.decode(b, ByteOrder.LITTLE_ENDIAN, shape, false));
        }
        return out;
    }
}
