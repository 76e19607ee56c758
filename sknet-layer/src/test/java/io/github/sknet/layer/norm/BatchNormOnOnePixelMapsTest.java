package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


/**
 * Inference on maps of one pixel (SKNet-50's last stage at 32x32 input): with helpers the same as the ND4J
 * path that BatchNormParityTest checks against PyTorch. oneDNN's one-pass scale-shift got a batch of two
 * wrong (errors up to 6.8 for [2, 2048, 1, 1]); it now declines such maps.
 */
class BatchNormOnOnePixelMapsTest {
    @ParameterizedTest(name = "[{0}, {1}, {2}, {2}] relu={3}")
    @CsvSource({"2, 8, 1, false", "2, 8, 1, true", "2, 2048, 1, true", "1, 8, 1, true", "2, 8, 2, true"})
    void helpersMatchTheNd4jPath(int n, int c, int size, boolean relu) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c, size, size);
        INDArray[] params = {Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5), Nd4j.randn(DataType.FLOAT, 1, c),
                Nd4j.randn(DataType.FLOAT, 1, c), Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5)};
        INDArray withHelpers = inference(true, relu, x, params), nd4j = inference(false, relu, x, params);
        double err = withHelpers.sub(nd4j).amaxNumber().doubleValue();
        assertTrue(err < 1e-5, "max |error| " + err);
    }

    private static INDArray inference(boolean helpers, boolean relu, INDArray x, INDArray[] params) {
        return OneBatchNormGraph.of(helpers, relu, InputType.convolutional(x.size(2), x.size(3), x.size(1)), x.size(1),
                params).outputSingle(false, x);
    }
}
