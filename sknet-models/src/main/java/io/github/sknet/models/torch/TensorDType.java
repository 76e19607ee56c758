package io.github.sknet.models.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The element types state_dict files hold, and the decoding of raw bytes into an ND4J array: floating
 * types become FLOAT (DOUBLE for 64-bit), integer and boolean types LONG. The importer later converts
 * floating tensors to the model's type.
 */
public enum TensorDType {
    F16(2, true), BF16(2, true), F32(4, true), F64(8, true), I8(1, false), U8(1, false), I16(2, false),
    I32(4, false), I64(8, false), BOOL(1, false);

    private final int size;
    private final boolean floating;

    TensorDType(int size, boolean floating) {
        this.size = size;
        this.floating = floating;
    }

    public int size() {
        return size;
    }

    public boolean floating() {
        return floating;
    }

    /** Number of elements of {@code shape} (1 for a 0-d array); -1 if it does not fit an int array. */
    public static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                return -1;
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /**
     * Decodes {@code elements(shape)} values from {@code buf} (at its position) into a C-order array of
     * {@code shape}; {@code fortran}: the bytes are in column-major order.
     */
    public INDArray decode(ByteBuffer buf, ByteOrder order, long[] shape, boolean fortran) {
        long count = elements(shape);
        if (count < 0 || count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        int n = (int) count;
        if ((long) n * size > buf.remaining()) {
            throw new IllegalArgumentException("data ends early: shape " + Arrays.toString(shape) + " of " + this
                    + " needs " + (long) n * size + " bytes, " + buf.remaining() + " left");
        }
        ByteBuffer b = buf.slice().order(order);
        buf.position(buf.position() + n * size);
        INDArray flat;
        if (this == F64) {
            double[] d = new double[n];
            b.asDoubleBuffer().get(d);
            flat = Nd4j.createFromArray(d);
        } else if (floating) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                switch (this) {
                    case F32: f[i] = b.getFloat(i * 4); break;
                    case F16: f[i] = halfToFloat(b.getShort(i * 2)); break;
                    default: f[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); break; // BF16
                }
            }
            flat = Nd4j.createFromArray(f);
        } else {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) {
                switch (this) {
                    case I8: l[i] = b.get(i); break;
                    case U8: case BOOL: l[i] = b.get(i) & 0xff; break;
                    case I16: l[i] = b.getShort(i * 2); break;
                    case I32: l[i] = b.getInt(i * 4); break;
                    default: l[i] = b.getLong(i * 8); break; // I64
                }
            }
            flat = Nd4j.createFromArray(l);
        }
        return shape(flat, shape, fortran);
    }

    static INDArray shape(INDArray flat, long[] shape, boolean fortran) {
        if (shape.length == 0) {
            return flat.dataType() == DataType.LONG ? Nd4j.scalar(flat.getLong(0))
                    : flat.dataType() == DataType.DOUBLE ? Nd4j.scalar(flat.getDouble(0)) : Nd4j.scalar(flat.getFloat(0));
        }
        if (shape.length == 1) {
            return flat;
        }
        return fortran ? flat.reshape('f', shape).dup('c') : flat.reshape('c', shape);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f; // subnormal
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
