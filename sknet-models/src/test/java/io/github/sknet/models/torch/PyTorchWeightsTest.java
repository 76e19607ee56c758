package io.github.sknet.models.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/** Importing the reference PyTorch SKNet's state_dict: logits parity and strict error reporting. */
class PyTorchWeightsTest {

    static Map<String, INDArray> fixture(String name) throws Exception {
        return StateDictFile.read(new File(PyTorchWeightsTest.class.getResource("/fixtures/" + name).toURI()).toPath());
    }

    static ComputationGraph imported(SKNetVariant v, int size, Map<String, INDArray> sd) {
        ComputationGraph g = SKNet.builder(v).numClasses(10).inputShape(3, size, size).build().init();
        PyTorchWeights.load(g, sd);
        return g;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sknet26, 64", "sknet_cifar, 32"})
    void importedModelGivesPyTorchLogits(String variant, int size) throws Exception {
        Map<String, INDArray> ref = fixture(variant + "_synthetic_logits.npz");
        Map<String, long[]> keys = SyntheticStateDict.keys(variant);
        ComputationGraph g = imported(SKNetVariant.byId(variant), size, SyntheticStateDict.build(keys));

        INDArray x = SyntheticStateDict.input(2, 3, size, size);
        assertTrue(x.equalsWithEps(ref.get("x"), 1e-6), "the rebuilt input differs from the fixture's");
        assertMatchesPyTorch(variant, g.feedForward(x, false).get(SKNet.LOGITS), ref.get("logits"));
    }

    /** Logits within 1e-4 + 1e-3 max|logit| of PyTorch's, and so is the difference between the two samples. */
    static void assertMatchesPyTorch(String variant, INDArray logits, INDArray expected) {
        double max = expected.amaxNumber().doubleValue();
        double err = logits.sub(expected).amaxNumber().doubleValue();
        assertTrue(err <= 1e-4 + 1e-3 * max, variant + ": max |logit error| " + err + " (max |logit| " + max + ")");
        // the synthetic weights make the two samples' logits similar: their difference must match too
        INDArray diff = logits.getRow(0).sub(logits.getRow(1));
        INDArray expectedDiff = expected.getRow(0).sub(expected.getRow(1));
        double diffErr = diff.sub(expectedDiff).amaxNumber().doubleValue();
        assertTrue(diffErr <= 1e-4 + 2e-2 * expectedDiff.amaxNumber().doubleValue(),
                variant + ": per-sample difference error " + diffErr);
    }

    @Test
    void strictLoadingNamesEveryMissingUnexpectedAndMisShapedKey() throws Exception {
        Map<String, INDArray> sd = SyntheticStateDict.build(SyntheticStateDict.keys("sknet_cifar"));
        sd.remove("stage_2.1.conv2_sk.fcs.1.bias");
        sd.put("stage_9.0.extra.weight", Nd4j.zeros(DataType.FLOAT, 3));
        sd.put("classifier.weight", Nd4j.zeros(DataType.FLOAT, 7, 1024));
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_CIFAR).numClasses(10).build().init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyTorchWeights.load(g, sd));
        String m = e.getMessage();
        assertTrue(m.contains("missing key 'stage_2.1.conv2_sk.fcs.1.bias'"), m);
        assertTrue(m.contains("unexpected key 'stage_9.0.extra.weight'"), m);
        assertTrue(m.contains("'classifier.weight' has shape [7, 1024], expected [10, 1024]"), m);
        assertTrue(m.contains("3 problems"), m);
    }

    @Test
    void readsNumpyWrittenStateDicts() throws Exception {
        Map<String, INDArray> tiny = fixture("tiny_state_dict.npz");
        assertEquals(40, tiny.size());
        assertEquals(DataType.LONG, tiny.get("stage_1.0.conv1.1.num_batches_tracked").dataType());
        assertEquals(0, tiny.get("stage_1.0.conv1.1.num_batches_tracked").rank(), "0-d, as numpy.savez wrote it");
        assertEquals(4, tiny.get("stage_1.0.conv2_sk.convs.0.0.weight").rank());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PyTorchWeights.readNpz(new File("does-not-exist.npz").toPath()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }
}
