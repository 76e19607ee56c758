package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code torch.save(model.state_dict(), path)} files in PyTorch's zip format (the default since 1.6):
 * {@code <archive>/data.pkl}, a pickle read by {@link TorchPickle}, and {@code <archive>/data/<key>}, the
 * raw storages (little-endian unless {@code <archive>/byteorder} says "big"). Tensors are rebuilt from
 * their storage, storage offset, size and stride, so views and non-contiguous tensors come out right.
 */
public final class PthFormat {
    private PthFormat() {
    }

    /** The zip's {@code .../data.pkl} entry, or null. */
    static ZipEntry pickleEntry(ZipFile zip) {
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (n.equals("data.pkl") || n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9) {
                return e;
            }
        }
        return null;
    }

    public static Map<String, INDArray> read(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return read(zip);
        }
    }

    static Map<String, INDArray> read(ZipFile zip) throws IOException {
        ZipEntry pkl = pickleEntry(zip);
        if (pkl == null) {
            throw new IllegalArgumentException("no data.pkl in the zip: not a torch.save file");
        }
        String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
        Object root = TorchPickle.load(bytes(zip, pkl));
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null && new String(bytes(zip, bo), StandardCharsets.US_ASCII).trim().equals("big")) {
            order = ByteOrder.BIG_ENDIAN;
        }
        Map<?, ?> dict = tensorDict(root);
        Map<String, ByteBuffer> storages = new HashMap<>();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String name = (String) e.getKey();
            TorchPickle.TensorRef t = (TorchPickle.TensorRef) e.getValue();
            ByteBuffer storage = storages.get(t.storage().key());
            if (storage == null) {
                ZipEntry se = zip.getEntry(prefix + "data/" + t.storage().key());
                if (se == null) {
                    throw new IllegalArgumentException("tensor '" + name + "': storage data/" + t.storage().key()
                            + " is missing from the zip");
                }
                storage = ByteBuffer.wrap(bytes(zip, se));
                storages.put(t.storage().key(), storage);
            }
            try {
                out.put(name, tensor(t, storage, order));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("tensor '" + name + "': " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    /** The state_dict: the pickled mapping of names to tensors (or a checkpoint's "state_dict" / "model" entry). */
    private static Map<?, ?> tensorDict(Object root) {
        if (!(root instanceof Map)) {
            throw new IllegalArgumentException("the pickle holds " + TorchPickle.describe(root)
                    + ", expected a state_dict (a mapping of names to tensors)");
        }
        Map<?, ?> m = (Map<?, ?>) root;
        if (isTensorDict(m)) {
            return m;
        }
        for (String k : new String[] {"state_dict", "model"}) {
            if (m.get(k) instanceof Map && isTensorDict((Map<?, ?>) m.get(k))) {
                return (Map<?, ?>) m.get(k);
            }
        }
        throw new IllegalArgumentException("the pickle is a mapping with entries other than tensors " + m.keySet()
                + "; save model.state_dict() itself");
    }

    private static boolean isTensorDict(Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof TorchPickle.TensorRef)) {
                return false;
            }
        }
        return !m.isEmpty();
    }

    static INDArray tensor(TorchPickle.TensorRef t, ByteBuffer storage, ByteOrder order) {
        TensorDType type = t.storage().dtype();
        long[] size = t.size();
        long[] stride = t.stride();
        if (size.length != stride.length) {
            throw new IllegalArgumentException("size " + Arrays.toString(size) + " and stride "
                    + Arrays.toString(stride) + " differ in rank");
        }
        long count = TensorDType.elements(size);
        long last = t.offset();
        for (int i = 0; i < size.length; i++) {
            if (size[i] > 0) {
                last += (size[i] - 1) * stride[i];
            }
        }
        long storageElements = storage.capacity() / type.size();
        if (t.offset() < 0 || count > 0 && last >= storageElements) {
            throw new IllegalArgumentException("offset " + t.offset() + ", size " + Arrays.toString(size)
                    + ", stride " + Arrays.toString(stride) + " reach past its storage of " + storageElements
                    + " elements (truncated?)");
        }
        boolean contiguous = true;
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                contiguous = false;
            }
            expect *= size[i];
        }
        ByteBuffer b = storage.duplicate();
        if (contiguous) {
            b.position(Math.toIntExact(t.offset() * type.size()));
            return type.decode(b, order, size, false);
        }
        // a strided view: decode the span it covers, then gather element by element in C order
        b.position(Math.toIntExact(t.offset() * type.size()));
        INDArray span = type.decode(b, order, new long[] {last - t.offset() + 1}, false);
        INDArray out = Nd4j.create(span.dataType(), size.length == 0 ? new long[0] : size, 'c');
        long[] idx = new long[size.length];
        for (long n = 0; n < count; n++) {
            long src = 0;
            for (int i = 0; i < size.length; i++) {
                src += idx[i] * stride[i];
            }
            out.data().put(n, span.data().getDouble(src));
            for (int i = size.length - 1; i >= 0; i--) {
                if (++idx[i] < size[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return out;
    }

    private static byte[] bytes(ZipFile zip, ZipEntry e) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }
}
