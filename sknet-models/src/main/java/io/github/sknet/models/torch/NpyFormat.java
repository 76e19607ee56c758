package io.github.sknet.models.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A byte-level reader of numpy's .npy format (versions 1-3): any shape including 0-d, little- or
 * big-endian, C or Fortran order, float16/32/64, bool and signed integers up to int64, uint8.
 */
public final class NpyFormat {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFormat() {
    }

    static boolean isNpy(byte[] head) {
        if (head.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** A .npy header: dtype string (e.g. "<f4"), memory order, shape, and where the data starts. */
    public record Header(String descr, boolean fortran, long[] shape, int dataOffset) {
        /** The element type; throws (one line) for types this reader does not convert (objects, strings, ...). */
        public TensorDType dtype() {
            return NpyFormat.dtype(descr);
        }
    }

    /** Reads and checks the header of one .npy file's bytes, without touching the data. */
    public static Header header(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (!isNpy(bytes) || bytes.length < 10) {
            throw new IllegalArgumentException("not a .npy array (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException(".npy header ends early");
            }
            headerLen = b.getInt(8);
            start = 12;
        } else {
            throw new IllegalArgumentException("unsupported .npy format version " + major);
        }
        if (headerLen < 0 || start + (long) headerLen > bytes.length) {
            throw new IllegalArgumentException(".npy header ends early (file truncated?)");
        }
        String header = new String(bytes, start, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IllegalArgumentException("unreadable .npy header: " + oneLine(header));
        }
        return new Header(d.group(1), f.group(1).equals("True"), shape(s.group(1), header), start + headerLen);
    }

    /**
     * Parses one .npy file's bytes: the header, then exactly as many data bytes as its dtype and shape
     * need (fewer: the file is truncated; more: it is damaged), both refused before any value is used.
     */
    public static INDArray parse(byte[] bytes) {
        Header h = header(bytes);
        TensorDType type = h.dtype();
        long count = TensorDType.elements(h.shape());
        long need = count < 0 ? -1 : count * type.size();
        long have = bytes.length - (long) h.dataOffset();
        if (need >= 0 && have > need) {
            throw new IllegalArgumentException(have - need + " bytes after the data of shape "
                    + java.util.Arrays.toString(h.shape()) + " of " + h.descr() + " (file damaged?)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(h.dataOffset());
        ByteOrder order = h.descr().startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return type.decode(b, order, h.shape(), h.fortran());
    }

    private static String oneLine(String header) {
        String t = header.trim().replace('\n', ' ').replace('\r', ' ');
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static long[] shape(String dims, String header) {
        String t = dims.trim();
        if (t.isEmpty()) {
            return new long[0];
        }
        String[] parts = t.split(",");
        int n = parts[parts.length - 1].trim().isEmpty() ? parts.length - 1 : parts.length;
        long[] shape = new long[n];
        for (int i = 0; i < n; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim().replace("L", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unreadable .npy shape in header: " + oneLine(header));
            }
            if (shape[i] < 0) {
                throw new IllegalArgumentException("negative dimension in .npy shape: " + oneLine(header));
            }
        }
        return shape;
    }

    static TensorDType dtype(String descr) {
        String kind = descr.length() > 0 && "<>|=".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : descr;
        switch (kind) {
            case "f2": return TensorDType.F16;
            case "f4": return TensorDType.F32;
            case "f8": return TensorDType.F64;
            case "i1": return TensorDType.I8;
            case "i2": return TensorDType.I16;
            case "i4": return TensorDType.I32;
            case "i8": return TensorDType.I64;
            case "u1": return TensorDType.U8;
            case "b1": return TensorDType.BOOL;
            default:
                throw new IllegalArgumentException("unsupported .npy dtype '" + descr
                        + "' (expected float16/32/64, bool, uint8 or int8/16/32/64)");
        }
    }
}
