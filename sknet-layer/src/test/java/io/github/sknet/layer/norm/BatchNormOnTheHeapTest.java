package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.graph.InferenceWeights;

/**
 * Inference on small {@code [N, C]} inputs (the SK attention's BatchNorm) runs on the heap with helpers:
 * the same float32 values as the ND4J path that BatchNormParityTest checks against PyTorch, bit for bit,
 * for c- and f-ordered input (a dense layer's output is f-ordered), NaN, signed zeros and infinities
 * included, and with the scale and shift kept between passes.
 */
class BatchNormOnTheHeapTest {
    @ParameterizedTest(name = "[{0}, {1}] relu={2} order={3}")
    @CsvSource({"8, 64, true, c", "8, 64, true, f", "8, 64, false, f", "1, 32, true, c", "3, 5, false, c",
            "2, 40000, true, c"}) // the last is over the heap limit: ND4J on both sides
    void helpersGiveTheNd4jPathsValues(int n, int c, boolean relu, char order) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c).muli(3);
        x.putScalar(0, 0, Float.NaN);
        x.putScalar(n - 1, c - 1, -0.0f);
        if (c > 2) {
            x.putScalar(0, 1, Float.NEGATIVE_INFINITY);
            x.putScalar(0, 2, Float.POSITIVE_INFINITY);
        }
        x = x.dup(order);
        INDArray[] params = {Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5), Nd4j.randn(DataType.FLOAT, 1, c),
                Nd4j.randn(DataType.FLOAT, 1, c), Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5)};
        ComputationGraph heap = graph(true, relu, c, params), nd4j = graph(false, relu, c, params);
        float[] expected = flat(nd4j.outputSingle(false, x));
        assertArrayEquals(expected, flat(heap.outputSingle(false, x)));
        assertEquals((long) n * c <= BatchNormLayer.HEAP_MAX_VALUES, ((BatchNormLayer) heap.getLayer("bn")).lastForwardOnHeap());
        assertFalse(((BatchNormLayer) nd4j.getLayer("bn")).lastForwardOnHeap());
        InferenceWeights.keep(heap);
        assertArrayEquals(expected, flat(heap.outputSingle(false, x))); // kept scale and shift, first pass
        assertArrayEquals(expected, flat(heap.outputSingle(false, x)));
    }

    private static float[] flat(INDArray a) {
        return Nd4j.toFlattened('c', a).toFloatVector();
    }

    private static ComputationGraph graph(boolean helpers, boolean relu, long c, INDArray[] params) {
        return OneBatchNormGraph.of(helpers, relu, InputType.feedForward(c), c, params);
    }
}
