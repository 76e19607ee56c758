package io.github.sknet.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.conv.GroupedConv2DLayer;
import io.github.sknet.layer.samediff.Helpers;
import io.github.sknet.models.SKNet;

/**
 * A model zip written by the release before the SameDiff layers (native layers and vertices, their
 * configuration JSON of then) loads, on either path, and computes what that release computed.
 */
class LegacyModelFileTest {

    @ParameterizedTest(name = "helpers={0}")
    @ValueSource(booleans = {true, false})
    void aModelZipOfTheNativeLayerReleaseLoadsAndComputesTheSame(boolean helpers) throws Exception {
        Path dir = Path.of(LegacyModelFileTest.class.getResource("/legacy-0.1/sknet_small-16px.zip").toURI()).getParent();
        Helpers.setEnabled(helpers);
        ComputationGraph g;
        try {
            g = SKNetModelFile.load(dir.resolve("sknet_small-16px.zip"), false);
        } finally {
            Helpers.setEnabled(true);
        }
        GroupedConv2DLayer conv = (GroupedConv2DLayer) g.getLayer("stage_1.0.conv1.0");
        assertEquals(helpers, conv.helper() != null, "path of " + conv);
        // the old JSON named the updater "iupdater": without it the layer could not be trained further
        assertNotNull(((GroupedConv2D) conv.conf().getLayer()).getUpdater(), "updater of a legacy conv");
        assertEquals("sknet_small", SKNetModelFile.meta(dir.resolve("sknet_small-16px.zip"), g).arch());

        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
        INDArray logits = g.feedForward(x, false).get(SKNet.LOGITS);
        INDArray expected = expected(dir.resolve("expected-logits.txt"));
        double err = logits.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue();
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(err <= 1e-5 * scale, "logits differ from the old release's by " + err + " (max " + scale + ")");
    }

    private static INDArray expected(Path file) throws IOException {
        List<String> rows = Files.readAllLines(file);
        double[][] v = new double[rows.size()][];
        for (int i = 0; i < v.length; i++) {
            String[] f = rows.get(i).trim().split(" ");
            v[i] = new double[f.length];
            for (int j = 0; j < f.length; j++) {
                v[i][j] = Double.parseDouble(f[j]);
            }
        }
        return Nd4j.create(v);
    }
}
