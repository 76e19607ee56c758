package io.github.sknet.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The bulk copies between the heap and ND4J: views, orders and types as layers meet them. */
class HeapArraysTest {
    private static final INDArray FLAT = Nd4j.linspace(0, 59, 60).castTo(DataType.FLOAT).reshape(1, 60);

    @Test
    void readsAViewOfFlatParametersFromItsOwnFirstElement() {
        INDArray view = FLAT.get(NDArrayIndex.point(0), NDArrayIndex.interval(20, 30));
        assertArrayEquals(view.toDoubleVector(), HeapArrays.read(view));
        assertEquals(20.0, HeapArrays.read(view)[0]);
    }

    @Test
    void readsStridedAndFortranOrderedArraysInCOrder() {
        INDArray m = FLAT.reshape(6, 10);
        INDArray column = m.getColumn(3);
        assertArrayEquals(column.toDoubleVector(), HeapArrays.read(column));
        INDArray transposed = m.transpose();
        assertArrayEquals(Nd4j.toFlattened('c', transposed).toDoubleVector(), HeapArrays.read(transposed));
        INDArray f = m.dup('f');
        assertArrayEquals(Nd4j.toFlattened('c', m).toDoubleVector(), HeapArrays.read(f));
    }

    @Test
    void readsOtherTypes() {
        INDArray d = FLAT.castTo(DataType.DOUBLE).get(NDArrayIndex.point(0), NDArrayIndex.interval(5, 9));
        assertArrayEquals(new double[] {5, 6, 7, 8}, HeapArrays.read(d));
        INDArray matrix = FLAT.castTo(DataType.DOUBLE).reshape(3, 20).get(NDArrayIndex.interval(1, 3),
                NDArrayIndex.interval(0, 2));
        assertArrayEquals(new double[] {20, 21, 40, 41}, HeapArrays.read(matrix));
    }

    @Test
    void writesInTheRequestedTypeAndShape() {
        double[] v = {1.5, -2, 3.25, 4, 5, 6};
        INDArray f = HeapArrays.of(v, DataType.FLOAT, 2, 3);
        assertEquals(DataType.FLOAT, f.dataType());
        assertArrayEquals(new long[] {2, 3}, f.shape());
        assertArrayEquals(v, HeapArrays.read(f));
        INDArray d = HeapArrays.of(v, DataType.DOUBLE, 3, 2);
        assertEquals(DataType.DOUBLE, d.dataType());
        assertEquals(-2.0, d.getDouble(0, 1));
    }

    @Test
    void writesFloatsIntoAWholeArrayInCOrder() {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, 2, 3);
        HeapArrays.write(new float[] {1, 2, 3, 4, 5, -6}, a);
        assertEquals(3f, a.getFloat(0, 2));
        assertEquals(-6f, a.getFloat(1, 2));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6}, HeapArrays.readFloats(a));
    }

    @Test
    void writesIntoAContiguousViewInPlace() {
        INDArray m = FLAT.dup().reshape(6, 10);
        HeapArrays.write(new float[] {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10}, m.getRow(2));
        assertEquals(19f, m.getFloat(1, 9));
        assertEquals(-1f, m.getFloat(2, 0));
        assertEquals(-10f, m.getFloat(2, 9));
        assertEquals(30f, m.getFloat(3, 0));
    }

    @Test
    void refusesToWriteIntoAStridedViewAWrongLengthOrAnotherType() {
        INDArray m = FLAT.dup().reshape(6, 10);
        INDArray column = m.getColumn(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeapArrays.write(new float[6], column));
        assertTrue(e.getMessage().contains("dense c-ordered array of 6 elements"), e.getMessage());
        assertEquals(13f, m.getFloat(1, 3)); // untouched
        assertThrows(IllegalArgumentException.class,
                () -> HeapArrays.write(new float[5], Nd4j.createUninitialized(DataType.FLOAT, 6)));
        assertThrows(IllegalArgumentException.class,
                () -> HeapArrays.write(new float[6], Nd4j.createUninitialized(DataType.DOUBLE, 6)));
    }
}
