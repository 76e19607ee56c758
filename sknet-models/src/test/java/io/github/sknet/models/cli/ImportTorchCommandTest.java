package io.github.sknet.models.cli;

import static io.github.sknet.models.cli.SknetCommandTest.sknet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.models.io.Npy;
import io.github.sknet.models.torch.StateDictFile;

/** {@code sknet import-torch} with the files PyTorch users have: timm's .pth and the reference's numpy.savez. */
class ImportTorchCommandTest {
    @TempDir
    Path dir;

    private Path fixture(String name) throws Exception {
        return Path.of(getClass().getResource("/fixtures/torch/" + name).toURI());
    }

    private Path unpacked(String name) throws Exception {
        Path out = dir.resolve(name);
        try (InputStream in = new GZIPInputStream(new GZIPInputStream(Files.newInputStream(fixture(name + ".gz.gz"))));
             OutputStream o = Files.newOutputStream(out)) {
            in.transferTo(o);
        }
        return out;
    }

    private void assertPredictsLogits(Path model, String logitsFixture) throws Exception {
        Map<String, INDArray> ref = StateDictFile.read(fixture(logitsFixture));
        Path x = dir.resolve("x.npy"), y = dir.resolve("y.npy");
        Npy.write(x, ref.get("x"));
        SknetCommandTest.Result p = sknet("predict", "--model", model.toString(), "--input", x.toString(), "--output",
                y.toString());
        assertEquals(0, p.code, p.err);
        INDArray logits = Npy.read(y);
        double max = ref.get("logits").amaxNumber().doubleValue();
        assertTrue(logits.sub(ref.get("logits")).amaxNumber().doubleValue() <= 1e-4 + 1e-3 * max);
    }

    @Test
    void timmPthWithFormatAndClassesFromTheFile() throws Exception {
        Path pth = unpacked("skresnet18.pth");
        Path model = dir.resolve("skresnet18.zip");
        SknetCommandTest.Result r = sknet("import-torch", "--arch", "skresnet18", "--weights", pth.toString(),
                "--out", model.toString(), "--size", "64");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("imported 226 tensors"), r.out);
        assertPredictsLogits(model, "skresnet18_logits.npz");

        // timm's keys with a reference architecture: one line saying which --arch fits
        Path bad = dir.resolve("bad.zip");
        SknetCommandTest.Result b = sknet("import-torch", "--arch", "sknet50", "--weights", pth.toString(),
                "--out", bad.toString());
        assertEquals(2, b.code);
        assertTrue(b.err.contains("has timm key names, but --arch sknet50 is not a timm network; use --arch "
                + "skresnet18 | skresnet34 | skresnext50_32x4d"), b.err);
        assertEquals(1, b.err.strip().split("\n").length, b.err);
        // --num-classes disagreeing with the file: the classifier is named with timm's key and both shapes
        SknetCommandTest.Result f = sknet("import-torch", "--arch", "skresnet18", "--format", "timm",
                "--num-classes", "3", "--weights", pth.toString(), "--out", bad.toString());
        assertEquals(2, f.code);
        assertTrue(f.err.contains("'fc.weight' has shape [10, 512], expected [3, 512]"), f.err);
        assertFalse(Files.exists(bad));
    }

    @Test
    void referenceStateDictSavedAsTheHelpSays() throws Exception {
        SknetCommandTest.Result h = sknet("import-torch", "--help");
        assertTrue(h.out.contains("numpy.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()})"), h.out);
        Path npz = unpacked("sknet_cifar.npz");
        Path model = dir.resolve("cifar.zip");
        SknetCommandTest.Result r = sknet("import-torch", "--arch", "sknet_cifar", "--num-classes", "10", "--weights",
                npz.toString(), "--out", model.toString(), "--size", "32");
        assertEquals(0, r.code, r.err);
        assertPredictsLogits(model, "sknet_cifar_logits.npz");

        Path text = dir.resolve("weights.npz");
        Files.writeString(text, "not weights");
        SknetCommandTest.Result b = sknet("import-torch", "--arch", "sknet_cifar", "--weights", text.toString(),
                "--out", dir.resolve("x.zip").toString());
        assertEquals(2, b.code);
        assertTrue(b.err.contains(text + ": an unrecognised file"), b.err);
        assertEquals(1, b.err.strip().split("\n").length, b.err);
    }
}
