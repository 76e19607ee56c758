package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The deterministic state_dict of tools/reference/sknet_reference.py ({@code synthetic_state_dict}),
 * rebuilt from the reference's key list so no weights need shipping: for the key at position k of the
 * sorted key list and flat index i, base = sin(0.7 i + 1.3 k), shaped per key kind.
 */
final class SyntheticStateDict {
    private SyntheticStateDict() {
    }

    /** Key -> shape, in the reference's order, from fixtures/&lt;variant&gt;_keys.txt. */
    static Map<String, long[]> keys(String variant) throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (InputStream in = SyntheticStateDict.class.getResourceAsStream("/fixtures/" + variant + "_keys.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + variant + "_keys.txt");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] kv = line.split("\t", -1);
                long[] shape = kv[1].isEmpty() ? new long[0] : Arrays.stream(kv[1].split(",")).mapToLong(Long::parseLong).toArray();
                out.put(kv[0], shape);
            }
        }
        return out;
    }

    static Map<String, INDArray> build(Map<String, long[]> keys) {
        List<String> sorted = new ArrayList<>(keys.keySet());
        sorted.sort(null);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : keys.entrySet()) {
            String key = e.getKey();
            long[] shape = e.getValue();
            if (key.endsWith("num_batches_tracked")) {
                out.put(key, Nd4j.zeros(DataType.LONG, 1));
                continue;
            }
            int k = sorted.indexOf(key);
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            double scale = 1.0;
            if (key.endsWith(".weight") && shape.length >= 2) {
                long fanIn = 1;
                for (int d = 1; d < shape.length; d++) {
                    fanIn *= shape[d];
                }
                scale = Math.sqrt(3.0 / fanIn);
            }
            for (int i = 0; i < n; i++) {
                double base = Math.sin(0.7 * i + 1.3 * k);
                double x;
                if (key.endsWith(".weight")) {
                    x = shape.length >= 2 ? base * scale : 1 + 0.2 * base;
                } else if (key.endsWith(".bias") || key.endsWith("running_mean")) {
                    x = 0.1 * base;
                } else if (key.endsWith("running_var")) {
                    x = 1 + 0.5 * base * base;
                } else {
                    throw new IllegalStateException("no synthetic rule for " + key);
                }
                v[i] = (float) x;
            }
            out.put(key, Nd4j.create(v, shape, 'c'));
        }
        return out;
    }

    /** The reference's synthetic input: x[i] = sin(0.05 i) + 0.1 cos(0.17 i) over the flat index. */
    static INDArray input(long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (Math.sin(0.05 * i) + 0.1 * Math.cos(0.17 * i));
        }
        return Nd4j.create(v, shape, 'c');
    }
}
