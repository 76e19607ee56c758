package io.github.sknet.layer;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small arrays computed on the heap (in double) handed back to ND4J in the network's data type.
 * float32 moves in one bulk copy each way: ND4J's own conversions (toDoubleVector, createFromArray)
 * go element by element, ~20 us per BatchNorm parameter and pass, far more before the JIT compiles them.
 */
public final class HeapArrays {
    private HeapArrays() {
    }

    /** {@code values} as a c-ordered array of {@code shape} in {@code dataType}. */
    public static INDArray of(double[] values, DataType dataType, long... shape) {
        if (dataType != DataType.FLOAT) {
            return Nd4j.createFromArray(values).reshape('c', shape).castTo(dataType);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape);
        new FloatPointer(a.data().addressPointer()).put(f);
        return a;
    }

    /** The elements of {@code a} in c order, as doubles. */
    public static double[] read(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return Nd4j.toFlattened('c', a).toDoubleVector();
        }
        float[] f = readFloats(a);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The elements of float32 {@code a} in c order. */
    public static float[] readFloats(INDArray a) {
        requireFloat(a);
        if (a.rank() == 2 && a.ordering() == 'f' && ownsBuffer(a)) { // a dense layer's output
            float[] columns = new float[(int) a.length()];
            new FloatPointer(a.data().addressPointer()).get(columns);
            int rows = (int) a.size(0), cols = (int) a.size(1);
            float[] f = new float[columns.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    f[r * cols + c] = columns[c * rows + r];
                }
            }
            return f;
        }
        // a view's buffer starts at the view's first element; a dense copy makes any other view one
        INDArray dense = isWhole(a) ? a : a.dup('c');
        float[] f = new float[(int) dense.length()];
        new FloatPointer(dense.data().addressPointer()).get(f);
        return f;
    }

    /**
     * Writes {@code values}, in c order, into float32 {@code a}: a dense c-ordered array whose buffer starts
     * at its first element (a new array, or a contiguous view such as a matrix's row).
     */
    public static void write(float[] values, INDArray a) {
        requireFloat(a);
        if (!isWhole(a) || a.length() != values.length) {
            throw new IllegalArgumentException("HeapArrays.write: needs a dense c-ordered array of " + values.length
                    + " elements, got " + a.shapeInfoToString());
        }
        new FloatPointer(a.data().addressPointer()).put(values);
    }

    private static boolean isWhole(INDArray a) {
        return a.ordering() == 'c' && ownsBuffer(a);
    }

    /** Dense in its own order, its buffer starting at its first element. */
    private static boolean ownsBuffer(INDArray a) {
        return a.elementWiseStride() == 1 && a.data().length() == a.length();
    }

    private static void requireFloat(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("HeapArrays: expects float32, got " + a.dataType());
        }
    }
}
