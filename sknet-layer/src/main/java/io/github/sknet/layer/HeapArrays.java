package io.github.sknet.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small arrays computed on the heap (in double) handed back to ND4J in the network's data type. */
public final class HeapArrays {
    private HeapArrays() {
    }

    /** {@code values} as a c-ordered array of {@code shape} in {@code dataType}; float32 without a native cast. */
    public static INDArray of(double[] values, DataType dataType, long... shape) {
        if (dataType != DataType.FLOAT) {
            return Nd4j.createFromArray(values).reshape('c', shape).castTo(dataType);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return Nd4j.createFromArray(f).reshape('c', shape);
    }
}
