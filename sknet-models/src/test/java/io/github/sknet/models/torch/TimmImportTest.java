package io.github.sknet.models.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.models.ModelStats;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/**
 * timm 1.0.29's skresnet18 / skresnet34 / skresnext50_32x4d: parameter and multiply-add counts, and logits
 * after importing the state_dict timm_reference.py saved as .npz (savez_compressed), .safetensors and
 * .pth (torch.save), all three read from the files exactly as written.
 */
class TimmImportTest {
    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"skresnet18", "skresnet34", "skresnext50_32x4d"})
    void parameterAndMultiplyAddCountsEqualTimms(String id) throws IOException {
        String json = Files.readString(TorchFixtures.resource("timm_counts.json"));
        Matcher m = Pattern.compile("\"" + id + "\":\\s*\\{\\s*\"params\":\\s*(\\d+),\\s*\"macs\":\\s*(\\d+)").matcher(json);
        assertTrue(m.find(), "no counts for " + id);
        SKNetVariant v = SKNetVariant.byId(id);
        ModelStats s = ModelStats.of(SKNet.builder(v).conf(), InputType.convolutional(224, 224, 3));
        assertEquals(Long.parseLong(m.group(1)), s.trainableParams, id + " parameters at 1000 classes");
        assertEquals(Long.parseLong(m.group(2)), s.multiplyAdds, id + " multiply-adds at 224");
    }

    @Test
    void countsAreTheIssuesFigures() {
        long[][] expected = {{11_958_056L, 1814}, {22_282_376L, 3664}, {27_479_784L, 4463}};
        SKNetVariant[] vs = {SKNetVariant.SKRESNET18, SKNetVariant.SKRESNET34, SKNetVariant.SKRESNEXT50_32X4D};
        for (int i = 0; i < vs.length; i++) {
            ModelStats s = ModelStats.of(SKNet.builder(vs[i]).conf(), InputType.convolutional(224, 224, 3));
            assertEquals(expected[i][0], s.trainableParams, vs[i].id());
            assertEquals(expected[i][1], Math.round(s.multiplyAdds / 1e6), vs[i].id() + " M multiply-adds");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skresnet18", "skresnet34", "skresnext50_32x4d"})
    void everyFormatGivesTimmsLogits(String id) throws IOException {
        Map<String, INDArray> ref = StateDictFile.read(TorchFixtures.resource(id + "_logits.npz"));
        INDArray x = ref.get("x");
        INDArray expected = ref.get("logits");
        ComputationGraph g = SKNet.builder(SKNetVariant.byId(id)).numClasses(10).inputShape(3, 64, 64).build().init();
        INDArray first = null;
        String[][] formats = {{"npz", "NPZ"}, {"safetensors", "SAFETENSORS"}, {"pth", "PTH"}};
        for (String[] f : formats) {
            Path file = TorchFixtures.unpacked(id + "." + f[0], dir);
            assertEquals(StateDictFile.Format.valueOf(f[1]), StateDictFile.detect(file));
            Map<String, INDArray> sd = StateDictFile.read(file);
            Files.delete(file);
            assertEquals(PyTorchWeights.Naming.TIMM, PyTorchWeights.detectNaming(sd));
            g.params().assign(0);
            Set<String> used = PyTorchWeights.load(g, sd, PyTorchWeights.Naming.TIMM);
            assertEquals(sd.size(), used.size(), "every tensor used");
            INDArray logits = g.feedForward(x, false).get(SKNet.LOGITS);
            double max = expected.amaxNumber().doubleValue();
            double err = logits.sub(expected).amaxNumber().doubleValue();
            double err64 = logits.castTo(DataType.DOUBLE).sub(ref.get("logits64")).amaxNumber().doubleValue();
            System.out.printf(Locale.ROOT, "%s.%s: %d tensors, max|logit| %.4g, max|DL4J - PyTorch| %.3g (%.2e "
                    + "relative; vs PyTorch float64 %.3g)%n", id, f[0], sd.size(), max, err, err / max, err64);
            assertTrue(err <= 1e-4 + 1e-3 * max, id + "." + f[0] + ": max |logit error| " + err + ", max |logit| " + max);
            if (first == null) {
                first = logits;
            } else {
                assertEquals(first, logits, f[0] + " holds the same float32 tensors as the .npz");
            }
        }
    }

    @Test
    void strictLoadingNamesTimmsKeys() throws IOException {
        Map<String, INDArray> sd = new LinkedHashMap<>(
                StateDictFile.read(TorchFixtures.unpacked("skresnet18.npz", dir)));
        ComputationGraph g = SKNet.builder(SKNetVariant.SKRESNET18).numClasses(10).inputShape(3, 64, 64).build().init();
        // a DataParallel model's keys
        Map<String, INDArray> dp = new LinkedHashMap<>();
        sd.forEach((k, v) -> dp.put("module." + k, v));
        assertEquals(PyTorchWeights.Naming.TIMM, PyTorchWeights.detectNaming(dp));
        assertEquals(sd.size(), PyTorchWeights.load(g, dp, PyTorchWeights.Naming.TIMM).size());

        sd.remove("layer2.0.conv1.attn.fc_select.weight");
        sd.put("layer9.0.extra.weight", Nd4j.zeros(DataType.FLOAT, 3));
        sd.put("fc.weight", Nd4j.zeros(DataType.FLOAT, 7, 512));
        sd.put("layer1.0.conv2.conv.weight", sd.get("layer1.0.conv2.conv.weight").castTo(DataType.LONG));
        String m = assertThrows(IllegalArgumentException.class,
                () -> PyTorchWeights.load(g, sd, PyTorchWeights.Naming.TIMM)).getMessage();
        assertTrue(m.startsWith("timm state_dict: cannot load weights (4 problems)"), m);
        assertTrue(m.contains("missing key 'layer2.0.conv1.attn.fc_select.weight'"), m);
        assertTrue(m.contains("unexpected key 'layer9.0.extra.weight'"), m);
        assertTrue(m.contains("'fc.weight' has shape [7, 512], expected [10, 512]"), m);
        assertTrue(m.contains("'layer1.0.conv2.conv.weight' has dtype long, expected floating point"), m);
        assertTrue(!m.contains("\n"), m);
    }

    @Test
    void timmNamesOfEveryVertexKind() {
        String[][] pairs = {
                {"basic_conv.0.weight", "conv1.weight"}, {"basic_conv.1.running_var", "bn1.running_var"},
                {"stage_1.0.conv1_sk.convs.1.0.weight", "layer1.0.conv1.paths.1.conv.weight"},
                {"stage_1.0.conv1_sk.convs.0.1.bias", "layer1.0.conv1.paths.0.bn.bias"},
                {"stage_2.0.conv1_sk.fc.0.weight", "layer2.0.conv1.attn.fc_reduce.weight"},
                {"stage_2.0.conv1_sk.fc.1.running_mean", "layer2.0.conv1.attn.bn.running_mean"},
                {"stage_4.1.conv2_sk.fcs.weight", "layer4.1.conv2.attn.fc_select.weight"},
                {"stage_3.5.conv1.0.weight", "layer3.5.conv1.conv.weight"},
                {"stage_3.5.conv2.1.weight", "layer3.5.conv2.bn.weight"},
                {"stage_3.5.conv3.1.num_batches_tracked", "layer3.5.conv3.bn.num_batches_tracked"},
                {"stage_2.0.shortcut.0.weight", "layer2.0.downsample.0.weight"},
                {"stage_2.0.shortcut.1.bias", "layer2.0.downsample.1.bias"},
                {"classifier.bias", "fc.bias"}};
        for (String[] p : pairs) {
            assertEquals(p[1], TimmKeys.timmName(p[0]), p[0]);
        }
    }
}
