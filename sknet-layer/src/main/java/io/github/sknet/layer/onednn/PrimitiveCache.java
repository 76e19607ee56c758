package io.github.sknet.layer.onednn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * oneDNN primitives built once per key and kept, least recently used evicted (and closed) beyond a
 * bound. A null value is cached too: "nothing fast to build for this key".
 */
public final class PrimitiveCache<K, V extends AutoCloseable> {
    private final Map<K, V> map;

    public PrimitiveCache(int size) {
        map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> e) {
                if (size() <= size) {
                    return false;
                }
                if (e.getValue() != null) {
                    synchronized (OneDnn.LOCK) { // not while another thread runs it
                        try {
                            e.getValue().close();
                        } catch (Exception ex) {
                            throw new IllegalStateException("closing oneDNN primitives failed", ex);
                        }
                    }
                }
                return true;
            }
        };
    }

    /** The value for {@code key}, built by {@code build} on first use. */
    public V get(K key, Function<K, V> build) {
        synchronized (map) {
            if (!map.containsKey(key)) {
                map.put(key, build.apply(key));
            }
            return map.get(key);
        }
    }
}
