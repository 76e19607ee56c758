package io.github.sknet.models.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.fold.BatchNormFolding;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/** Imported PyTorch SKNets with BatchNorm folded still give PyTorch's logits, with no BatchNorm left. */
class FoldedModelParityTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sknet26, 64", "sknet_cifar, 32"})
    void foldedImportedModelGivesPyTorchLogits(String variant, int size) throws Exception {
        Map<String, INDArray> ref = PyTorchWeightsTest.fixture(variant + "_synthetic_logits.npz");
        ComputationGraph g = PyTorchWeightsTest.imported(SKNetVariant.byId(variant), size,
                SyntheticStateDict.build(SyntheticStateDict.keys(variant)));
        int batchNorms = BatchNormFolding.batchNorms(g.getConfiguration());
        assertEquals(batchNorms, BatchNormFolding.foldablePairs(g.getConfiguration()).size(),
                variant + ": every BatchNorm follows a conv or dense layer that feeds only it");

        ComputationGraph folded = SKNet.foldBatchNorm(g);
        assertEquals(0, BatchNormFolding.batchNorms(folded.getConfiguration()), variant + ": BatchNorm layers left after folding");
        assertEquals(g.getConfiguration().getVertices().size() - batchNorms,
                folded.getConfiguration().getVertices().size());

        INDArray x = SyntheticStateDict.input(2, 3, size, size);
        INDArray logits = folded.feedForward(x, false).get(SKNet.LOGITS);
        INDArray unfolded = g.feedForward(x, false).get(SKNet.LOGITS);
        // the same bounds as the unfolded import
        PyTorchWeightsTest.assertMatchesPyTorch(variant, logits, ref.get("logits"));
        double max = ref.get("logits").amaxNumber().doubleValue();
        // and folding itself costs only float32 rounding
        double foldErr = logits.sub(unfolded).amaxNumber().doubleValue();
        assertTrue(foldErr <= 1e-4 * Math.max(1, max), variant + ": folded vs unfolded logits differ by " + foldErr);
    }
}
