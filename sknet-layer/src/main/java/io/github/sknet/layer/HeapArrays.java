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
        // a view's buffer starts at the view's first element; a dense copy makes any other view one
        INDArray dense = a.elementWiseStride() == 1 && a.ordering() == 'c' && a.data().length() == a.length()
                ? a : a.dup('c');
        float[] f = new float[(int) dense.length()];
        new FloatPointer(dense.data().addressPointer()).get(f);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
