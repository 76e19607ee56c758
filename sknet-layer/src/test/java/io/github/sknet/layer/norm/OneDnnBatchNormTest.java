package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * The layout OneDnnBatchNorm computes in has a kernel on this CPU. oneDNN's reference kernel (what a
 * 16-channel block gets on an AVX2 machine) made an SKNet-50 training step 10x slower.
 */
class OneDnnBatchNormTest {

    @ParameterizedTest(name = "C={0}, ReLU {1}")
    @CsvSource({"64, true", "128, false", "256, true", "24, false"})
    void noReferenceKernelForSkNetsChannelCounts(int channels, boolean relu) {
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        String kernel = OneDnnBatchNorm.INSTANCE.trainingKernel(new long[] {2, channels, 8, 8}, 1e-5f, relu);
        assertFalse(kernel.contains("ref"), "C=" + channels + ": oneDNN's reference kernel " + kernel);
    }
}
