package io.github.sknet.app;

import static io.github.sknet.app.SknetCommandTest.sknet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.TestImages;
import io.github.sknet.models.io.Npy;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.torch.ImageNetClasses;
import io.github.sknet.models.torch.StateDictFile;
import io.github.sknet.models.torch.TorchFixtures;

/** {@code sknet import-torch} with the files PyTorch users have: timm's .pth and the reference's numpy.savez. */
class ImportTorchCommandTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return TorchFixtures.resource(name);
    }

    private Path unpacked(String name) throws Exception {
        return TorchFixtures.unpacked(name, dir);
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

    private static final ImagePreprocessing TIMM_224 = new ImagePreprocessing(224, 0.875,
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});

    /** An image file prepared as predict and evaluate must prepare it, through the model's graph: logits [1, K]. */
    private static INDArray logits(ComputationGraph g, Path image, ImagePreprocessing prep) {
        float[] px = new float[3 * prep.size() * prep.size()];
        prep.toChw(prep.evalView(ImagePreprocessing.decode(image)), px, 0);
        INDArray x = Nd4j.create(px, new long[] {1, 3, prep.size(), prep.size()}, DataType.FLOAT);
        return g.feedForward(x, false).get(SKNet.LOGITS).detach();
    }

    private static int[] top5(INDArray logits) {
        double[] v = Nd4j.toFlattened(logits).toDoubleVector();
        return IntStream.range(0, v.length).boxed().sorted((i, j) -> Double.compare(v[j], v[i])).limit(5)
                .mapToInt(Integer::intValue).toArray();
    }

    /**
     * The one line predict prints for {@code image}: the five classes of largest logit, best first, each with
     * its softmax probability; returns it.
     */
    private static String assertTop5(String out, Path image, INDArray logits, List<String> classes) {
        List<String> lines = out.lines().filter(l -> l.startsWith(image + ":")).toList();
        assertEquals(1, lines.size(), out);
        INDArray prob = Transforms.softmax(logits, true);
        StringBuilder expected = new StringBuilder(image + ":");
        for (int i : top5(logits)) {
            expected.append(String.format(Locale.ROOT, "  %s %.3f", classes.get(i), prob.getDouble(0, i)));
        }
        assertEquals(expected.toString(), lines.get(0));
        return lines.get(0);
    }

    @Test
    void timmImportWith1000ClassesRecordsTimmsPreprocessingAndTheImageNetNames() throws Exception {
        // timm's skresnet18 fixture (10 classes) with a 1000-class fc, as an ImageNet checkpoint has
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDictFile.read(unpacked("skresnet18.npz")));
        Nd4j.getRandom().setSeed(13);
        // (the fixture's random BatchNorm statistics make the pooled features ~1e5: a small fc gives logits of
        // spread ~2, so the top-5 probabilities are not all 1 and 0)
        sd.put("fc.weight", Nd4j.randn(DataType.FLOAT, 1000, 512).muli(4e-7));
        sd.put("fc.bias", Nd4j.randn(DataType.FLOAT, 1000).muli(0.1));
        Path weights = dir.resolve("skresnet18_in1k.npz");
        Npy.writeNpz(weights, sd);
        Path model = dir.resolve("in1k.zip");
        SknetCommandTest.Result r = sknet("import-torch", "--arch", "skresnet18", "--weights", weights.toString(),
                "--out", model.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("images: shorter side to 256 (bicubic), centre crop 224x224, ImageNet mean/std; "
                + "classes: ImageNet-1k names"), r.out);

        ComputationGraph g = SKNetModelFile.load(model, false);
        SKNetModelFile.Meta meta = SKNetModelFile.meta(model, g);
        assertEquals(224, meta.size());
        assertEquals(TIMM_224, meta.preprocessing());
        assertEquals(ImageNetClasses.names(), meta.classes());
        assertEquals(1000, new HashSet<>(meta.classes()).size(), "distinct names");
        assertEquals("tench, Tinca tinca", meta.classes().get(0));
        assertEquals("toilet tissue, toilet paper, bathroom tissue", meta.classes().get(999));
        assertEquals("crane (n02012849)", meta.classes().get(134));
        assertEquals("crane (n03126707)", meta.classes().get(517));
        assertEquals("n01440764", ImageNetClasses.synsets().get(0));

        // predict on a PNG: timm's preparation at 224, the top-5 by name
        Path png = TestImages.photo(dir.resolve("photo.png"), 320, 0, new Random(4));
        SknetCommandTest.Result p = sknet("predict", "--model", model.toString(), "--input", png.toString());
        assertEquals(0, p.code, p.err);
        INDArray l224 = logits(g, png, TIMM_224);
        String line224 = assertTop5(p.out, png, l224, ImageNetClasses.names());
        // the plain [0, 1] preparation gives other logits: the line above shows timm's preparation was applied
        assertTrue(logits(g, png, ImagePreprocessing.plain(224)).sub(l224).amaxNumber().doubleValue() > 1e-2);

        // --size 160: the same preparation at 160x160 (shorter side to 182), other logits, printed by name
        SknetCommandTest.Result s = sknet("predict", "--model", model.toString(), "--input", png.toString(),
                "--size", "160");
        assertEquals(0, s.code, s.err);
        INDArray l160 = logits(g, png, TIMM_224.withSize(160));
        assertTrue(l160.sub(l224).amaxNumber().doubleValue() > 1e-3);
        assertNotEquals(line224, assertTop5(s.out, png, l160, ImageNetClasses.names()));

        // an .npy of another size is the network's input as given
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 75, 90);
        Path xf = dir.resolve("x75.npy"), yf = dir.resolve("y75.npy");
        Npy.write(xf, x);
        SknetCommandTest.Result n = sknet("predict", "--model", model.toString(), "--input", xf.toString(), "--output",
                yf.toString());
        assertEquals(0, n.code, n.err);
        assertArrayEquals(Nd4j.toFlattened(g.feedForward(x, false).get(SKNet.LOGITS)).toFloatVector(),
                Nd4j.toFlattened(Npy.read(yf)).toFloatVector(), 1e-5f);

        // below the network's total stride: one line naming the smallest size, for images and .npy alike
        SknetCommandTest.Result small = sknet("predict", "--model", model.toString(), "--input", png.toString(),
                "--size", "24");
        assertEquals(2, small.code);
        assertEquals("sknet predict: predict: skresnet18: input 24x24 is too small; it needs at least 32x32",
                small.err.strip());
        Npy.write(xf, Nd4j.zeros(DataType.FLOAT, 1, 3, 40, 31));
        SknetCommandTest.Result smallNpy = sknet("predict", "--model", model.toString(), "--input", xf.toString(),
                "--output", dir.resolve("never.npy").toString());
        assertEquals(2, smallNpy.code);
        assertTrue(smallNpy.err.contains("input 40x31 is too small; it needs at least 32x32"), smallNpy.err);
        assertEquals(1, smallNpy.err.strip().lines().count(), smallNpy.err);
        assertFalse(Files.exists(dir.resolve("never.npy")));
        SknetCommandTest.Result both = sknet("predict", "--model", model.toString(), "--input", xf.toString(),
                "--output", dir.resolve("never.npy").toString(), "--size", "64");
        assertEquals(2, both.code);
        assertTrue(both.err.contains("--size applies to image inputs"), both.err);
    }

    @Test
    void evaluateAtAnotherSize() throws Exception {
        Path model = dir.resolve("skresnet18.zip");
        assertEquals(0, sknet("import-torch", "--arch", "skresnet18", "--weights", unpacked("skresnet18.pth").toString(),
                "--out", model.toString(), "--size", "64").code);
        ComputationGraph g = SKNetModelFile.load(model, false);
        SKNetModelFile.Meta meta = SKNetModelFile.meta(model, g);
        assertEquals(TIMM_224.withSize(64), meta.preprocessing(), "timm's preparation at the --size given");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), meta.classes());

        // a folder of the model's 10 classes, two photos each of varied size
        Path data = dir.resolve("data");
        Random rnd = new Random(8);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            for (int k = 0; k < 2; k++) {
                Path f = data.resolve(String.valueOf(c)).resolve("img" + k + ".png");
                Files.createDirectories(f.getParent());
                files.add(TestImages.photo(f, 80 + 40 * k, c % 3, rnd));
                labels.add(c);
            }
        }
        double[] atRecorded = null;
        double[] lossAt96 = new double[1];
        for (String size : new String[] {null, "96"}) {
            ImagePreprocessing prep = size == null ? meta.preprocessing() : meta.preprocessing().withSize(96);
            SknetCommandTest.Result e = size == null
                    ? sknet("evaluate", "--model", model.toString(), "--data", data.toString())
                    : sknet("evaluate", "--model", model.toString(), "--data", data.toString(), "--size", size);
            assertEquals(0, e.code, e.err);
            assertTrue(e.out.contains("20 images in 10 classes, at " + prep.size() + "x" + prep.size()), e.out);
            // top-1 and mean cross-entropy by hand, each image prepared at that size
            double loss = 0;
            int correct = 0;
            for (int i = 0; i < files.size(); i++) {
                INDArray l = logits(g, files.get(i), prep);
                INDArray prob = Transforms.softmax(l, true);
                loss -= Math.log(prob.getDouble(0, labels.get(i)) + 1e-12);
                correct += top5(l)[0] == labels.get(i) ? 1 : 0;
            }
            loss /= files.size();
            double printedLoss = value(e.out, "loss: "), printedTop1 = value(e.out, "accuracy: ");
            assertEquals(loss, printedLoss, 1e-3, e.out);
            assertEquals(correct / 20.0, printedTop1, 1e-9, e.out);
            if (atRecorded == null) {
                atRecorded = new double[] {printedLoss};
            } else {
                lossAt96[0] = printedLoss;
                assertTrue(Math.abs(printedLoss - atRecorded[0]) > 1e-3, "the loss at 96 should differ from the loss at 64");
            }
        }
        // the BatchNorm-folded copy runs at another size too, with the same loss to float rounding
        SknetCommandTest.Result folded = sknet("evaluate", "--model", model.toString(), "--data", data.toString(),
                "--size", "96", "--fold-bn");
        assertEquals(0, folded.code, folded.err);
        assertEquals(lossAt96[0], value(folded.out, "loss: "), 2e-3 * (1 + lossAt96[0]), folded.out);
        SknetCommandTest.Result small = sknet("evaluate", "--model", model.toString(), "--data", data.toString(),
                "--size", "16");
        assertEquals(2, small.code);
        assertEquals("sknet evaluate: evaluate: skresnet18: input 16x16 is too small; it needs at least 32x32",
                small.err.strip());
    }

    private static double value(String out, String prefix) {
        return Double.parseDouble(out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow()
                .substring(prefix.length()).strip());
    }

    @Test
    void referenceImportKeepsThePlainPreparationUnlessAsked() throws Exception {
        Path npz = unpacked("sknet_cifar.npz");
        Path plain = dir.resolve("plain.zip"), imagenet = dir.resolve("imagenet.zip");
        SknetCommandTest.Result a = sknet("import-torch", "--arch", "sknet_cifar", "--weights", npz.toString(),
                "--out", plain.toString(), "--size", "32");
        assertEquals(0, a.code, a.err);
        assertTrue(a.out.contains("images: resized whole to 32x32, values in [0, 1]; classes: 0..9"), a.out);
        SknetCommandTest.Result b = sknet("import-torch", "--arch", "sknet_cifar", "--weights", npz.toString(),
                "--out", imagenet.toString(), "--size", "32", "--imagenet-preprocessing");
        assertEquals(0, b.code, b.err);
        assertEquals(ImagePreprocessing.plain(32), SKNetModelFile.meta(plain, SKNetModelFile.load(plain, false))
                .preprocessing());
        SKNetModelFile.Meta m = SKNetModelFile.meta(imagenet, SKNetModelFile.load(imagenet, false));
        assertEquals(TIMM_224.withSize(32), m.preprocessing());
        assertEquals("0", m.classes().get(0), "10 classes keep their indices as names");
        assertTrue(sknet("import-torch", "--help").out.contains("--imagenet-preprocessing"));
    }

    @Test
    void evaluateReadsImageNetSynsetFoldersForAModelWithTheImageNetNames() throws Exception {
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDictFile.read(unpacked("skresnet18.npz")));
        Nd4j.getRandom().setSeed(21);
        sd.put("fc.weight", Nd4j.randn(DataType.FLOAT, 1000, 512).muli(4e-7));
        INDArray bias = Nd4j.randn(DataType.FLOAT, 1000).muli(0.1);
        // every image is class 517, "crane (n03126707)" (the machine); the other logits spread ~2, and their
        // probabilities stay above float32's underflow (DL4J's top-5 counts ties at 0 as hits)
        bias.putScalar(517, 30.0);
        sd.put("fc.bias", bias);
        Path weights = dir.resolve("crane.npz"), model = dir.resolve("crane.zip");
        Npy.writeNpz(weights, sd);
        assertEquals(0, sknet("import-torch", "--arch", "skresnet18", "--weights", weights.toString(), "--out",
                model.toString()).code);
        // ImageNet's layout: one folder per synset id, here one small image each, two in n03126707
        Path data = dir.resolve("imagenet");
        List<String> synsets = ImageNetClasses.synsets();
        for (int i = 0; i < 1000; i++) {
            Path d = Files.createDirectories(data.resolve(synsets.get(i)));
            TestImages.write(d.resolve("a.png"), 12, 10, new java.awt.Color(i % 256, (i / 4) % 256, 90), i);
            if (i == 517) {
                TestImages.write(d.resolve("b.png"), 10, 14, java.awt.Color.GRAY, 5000);
            }
        }
        SknetCommandTest.Result e = sknet("evaluate", "--model", model.toString(), "--data", data.toString(), "--size",
                "32", "--batch", "128");
        assertEquals(0, e.code, e.err);
        assertTrue(e.out.contains("1001 images in 1000 classes, at 32x32"), e.out);
        assertEquals(2 / 1001.0, value(e.out, "accuracy: "), 1e-4);
        // the two images of n03126707 are counted under its name, all right (recall 1); the bird crane has one, wrong
        List<String> crane = e.out.lines().filter(l -> l.startsWith("crane (n03126707) ")).toList();
        assertEquals(1, crane.size(), e.out);
        assertTrue(crane.get(0).matches("crane \\(n03126707\\) +0\\.0020 +1\\.0000 +0\\.0040 +2"), crane.get(0));
        assertTrue(e.out.lines().anyMatch(l -> l.matches("crane \\(n02012849\\) +0\\.0000 +0\\.0000 +0\\.0000 +1")), e.out);
        assertTrue(e.out.contains("(confusion matrix not printed for 1000 classes; at most 50)"), e.out);
        assertTrue(value(e.out, "top-5 accuracy: ") < 0.05, e.out);

        // a folder of two of the classes: one line with a few of the differences
        Path two = dir.resolve("two");
        for (String c : List.of(synsets.get(0), synsets.get(1))) {
            TestImages.write(Files.createDirectories(two.resolve(c)).resolve("a.png"), 8, 8, java.awt.Color.RED, 1);
        }
        SknetCommandTest.Result b = sknet("evaluate", "--model", model.toString(), "--data", two.toString());
        assertEquals(2, b.code);
        assertTrue(b.err.contains("the folder's classes differ from the model's: 998 of the model's 1000 missing from "
                + "the folder [great white shark, "), b.err);
        assertEquals(1, b.err.strip().lines().count(), b.err);
    }
}
