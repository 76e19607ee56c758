package io.github.sknet.models.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/**
 * The reference PyTorch SKNet's state_dict saved exactly as {@code import-torch --help} says
 * ({@code numpy.savez(path, **{k: v.numpy() ...})}: 0-d int64 num_batches_tracked included) imports and
 * gives PyTorch's logits.
 */
class NumpySavezImportTest {
    @TempDir
    Path dir;

    @Test
    void plainSavezOfTheReferenceStateDict() throws IOException {
        Map<String, INDArray> sd = StateDictFile.read(TorchFixtures.unpacked("sknet_cifar.npz", dir));
        INDArray counter = sd.get("stage_1.0.conv1.1.num_batches_tracked");
        assertEquals(0, counter.rank(), "num_batches_tracked is 0-d, as PyTorch has it");
        assertEquals(DataType.LONG, counter.dataType());
        assertEquals(3L, counter.getLong(0), "three calibration batches");
        assertEquals(PyTorchWeights.Naming.REFERENCE, PyTorchWeights.detectNaming(sd));

        Map<String, INDArray> ref = StateDictFile.read(TorchFixtures.resource("sknet_cifar_logits.npz"));
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_CIFAR).numClasses(10).inputShape(3, 32, 32).build().init();
        assertEquals(sd.size(), PyTorchWeights.load(g, sd).size());
        INDArray logits = g.feedForward(ref.get("x"), false).get(SKNet.LOGITS);
        double max = ref.get("logits").amaxNumber().doubleValue();
        double err = logits.sub(ref.get("logits")).amaxNumber().doubleValue();
        System.out.printf("sknet_cifar (numpy.savez, 0-d counters): max|logit| %.4g, max|DL4J - PyTorch| %.3g%n", max, err);
        assertTrue(err <= 1e-4 + 1e-3 * max, "max |logit error| " + err + ", max |logit| " + max);
    }
}
