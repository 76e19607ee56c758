package io.github.sknet.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.imageio.ImageIO;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import io.github.sknet.layer.samediff.Helpers;
import io.github.sknet.models.SKNet;
import io.github.sknet.models.TestResources;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.Npy;

/** The sknet command end to end, in-process, on small sizes; every error path gives one line and an exit code. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SknetCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Path run;

    /** Exit code, stdout, stderr of one invocation. */
    static final class Result {
        final int code;
        final String out;
        final String err;

        Result(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }
    }

    static Result sknet(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Sknet.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.print(r.out);
        oldErr.print(r.err);
        return r;
    }

    @BeforeAll
    static void setUp() {
        run = dir.resolve("run");
    }

    @Test
    @Order(1)
    void trainWritesModelMetricsPlotAndCheckpoint() throws Exception {
        Result r = sknet("train", "--epochs", "1", "--train-images", "96", "--held-out-images", "48", "--batch", "32",
                "--out", run.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("epoch 1/1 ["), "progress bar: " + r.out);
        assertTrue(r.out.contains("held-out accuracy:"), r.out);
        for (String f : new String[] {"model.zip", "checkpoint.zip", "metrics.json", "training.png"}) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        assertTrue(ImageIO.read(run.resolve("training.png").toFile()).getWidth() > 100);
        JsonNode metrics = JSON.readTree(run.resolve("metrics.json").toFile());
        assertEquals(1, metrics.get("epochs").size(), metrics.toString());
        assertEquals(1, metrics.get("epochs").get(0).get("epoch").asInt());
        assertTrue(metrics.has("final_held_out_accuracy") && metrics.has("best_held_out_accuracy"), metrics.toString());
        assertTrue(Files.size(run.resolve("best.zip")) > 0);
    }

    @Test
    @Order(2)
    void resumeContinuesFromTheCheckpoint() throws Exception {
        JsonNode firstEpoch = JSON.readTree(run.resolve("metrics.json").toFile()).get("epochs").get(0);
        Result r = sknet("train", "--resume", "--epochs", "2", "--train-images", "96", "--held-out-images", "48",
                "--batch", "32", "--out", run.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("after epoch 1"), r.out);
        assertFalse(r.out.contains("epoch 1/2 ["), "epoch 1 was trained again: " + r.out);
        assertTrue(r.out.contains("epoch 2/2 ["), r.out);
        JsonNode epochs = JSON.readTree(run.resolve("metrics.json").toFile()).get("epochs");
        assertEquals(firstEpoch, epochs.get(0), "epoch 1 history kept");
        assertEquals(2, epochs.size());
        assertEquals(2, epochs.get(1).get("epoch").asInt());
        assertTrue(ModelFiles.meta(run.resolve("checkpoint.zip"),
                ModelFiles.load(run.resolve("checkpoint.zip"), true)).epochsDone() == 2);
    }

    @Test
    @Order(3)
    void predictWritesInferenceLogits() throws Exception {
        INDArray x = new SyntheticShapes(32, 9).sample(5).getFeatures();
        Path xf = dir.resolve("x.npy"), yf = dir.resolve("y.npy");
        Npy.write(xf, x);
        ComputationGraph g = ModelFiles.load(run.resolve("model.zip"), false);
        INDArray expected = g.feedForward(x, false).get(SKNet.LOGITS);
        // BatchNorm folded (the default), unfolded, and in batches of 2 (the last one smaller)
        for (String[] options : new String[][] {{}, {"--no-fold-bn"}, {"--batch", "2"}}) {
            java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("predict", "--model",
                    run.resolve("model.zip").toString(), "--input", xf.toString(), "--output", yf.toString()));
            argv.addAll(java.util.List.of(options));
            Files.deleteIfExists(yf);
            Result r = sknet(argv.toArray(new String[0]));
            assertEquals(0, r.code, r.err);
            assertEquals(options.length != 1, r.out.contains("BatchNorm folded: "), r.out);
            INDArray y = Nd4j.createFromNpyFile(yf.toFile());
            assertEquals(DataType.FLOAT, y.dataType());
            assertTrue(y.equalsWithEps(expected, 1e-4), "logits differ with " + java.util.List.of(options));
        }
    }

    @Test
    @Order(4)
    void evaluateAndPredictOnImageFolders() throws Exception {
        SyntheticShapes shapes = new SyntheticShapes(32, 3);
        Path images = dir.resolve("images");
        SyntheticShapes.writePngFolder(shapes.sample(40), shapes.classNames(), images);
        Result e = sknet("evaluate", "--model", run.resolve("model.zip").toString(), "--data", images.toString());
        assertEquals(0, e.code, e.err);
        assertTrue(e.out.contains("accuracy:") && e.out.contains("precision") && e.out.contains("Confusion matrix"), e.out);
        assertTrue(e.out.lines().filter(l -> l.matches("(square|ring|cross|triangle|bars) +[0-9.]+ .*")).count() == 5,
                "a per-class row for each class: " + e.out);

        assertTrue(e.out.contains("BatchNorm folded: "), "folded by default: " + e.out);
        Result unfolded = sknet("evaluate", "--model", run.resolve("model.zip").toString(), "--data", images.toString(),
                "--no-fold-bn");
        assertEquals(0, unfolded.code, unfolded.err);
        assertFalse(unfolded.out.contains("BatchNorm folded: "), unfolded.out);
        assertEquals(e.out.lines().filter(l -> l.startsWith("accuracy:")).findFirst(),
                unfolded.out.lines().filter(l -> l.startsWith("accuracy:")).findFirst(), "accuracy with --no-fold-bn");

        // images go through the network in batches (default 32): the same top-5 lines as one image at a time
        Result p = sknet("predict", "--model", run.resolve("model.zip").toString(), "--input", images.toString());
        assertEquals(0, p.code, p.err);
        java.util.List<String> top5 = p.out.lines().filter(l -> l.contains(".png:")).toList();
        assertEquals(40, top5.size(), p.out);
        Result one = sknet("predict", "--model", run.resolve("model.zip").toString(), "--input", images.toString(),
                "--batch", "1");
        assertEquals(0, one.code, one.err);
        assertEquals(top5, one.out.lines().filter(l -> l.contains(".png:")).toList());

        Result t = sknet("train", "--data", images.toString(), "--epochs", "1", "--batch", "16", "--out",
                dir.resolve("folder-run").toString());
        assertEquals(0, t.code, t.err);
        assertTrue(Files.exists(dir.resolve("folder-run/model.zip")));
    }

    @Test
    @Order(5)
    void attentionWritesOneCsvRowPerSkUnitAndAPlot() throws Exception {
        Path att = dir.resolve("attention");
        Result r = sknet("attention", "--model", run.resolve("model.zip").toString(), "--scales", "1.0,2.0",
                "--images", "20", "--out", att.toString());
        assertEquals(0, r.code, r.err);
        java.util.List<String> lines = Files.readAllLines(att.resolve("attention.csv"));
        assertEquals("sk_unit,scale_1.00,scale_2.00", lines.get(0));
        // sknet_small has one SK unit per stage: stage_1.0, stage_2.0, stage_3.0
        assertEquals(java.util.List.of("stage_1.0", "stage_2.0", "stage_3.0"),
                lines.subList(1, lines.size()).stream().map(l -> l.split(",")[0]).collect(java.util.stream.Collectors.toList()));
        for (String l : lines.subList(1, lines.size())) {
            for (String v : l.split(",", -1)) {
                assertFalse(v.isEmpty(), l);
            }
            double d = Double.parseDouble(l.split(",")[1]);
            assertTrue(d >= -1 && d <= 1, "attention difference out of range: " + l);
        }
        assertTrue(ImageIO.read(att.resolve("attention.png").toFile()).getWidth() > 100);
    }

    @Test
    void summaryEndsWithTheTotals() {
        Result r = sknet("summary", "--arch", "sknet50");
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals("trainable parameters: 27494888", lines[lines.length - 2]);
        assertEquals("multiply-adds: 4.463 G", lines[lines.length - 1]);
        assertTrue(r.out.contains("stage_3.5.conv2_sk/branch1/conv"), "per-layer rows");
    }

    @Test
    void importTorchThenPredictMatchesPyTorch() throws Exception {
        Map<String, INDArray> sd = io.github.sknet.models.torch.SyntheticStateDictAccess.sknet26();
        Path weights = dir.resolve("sknet26.npz");
        Npy.writeNpz(weights, sd);
        Path model = dir.resolve("sknet26.zip");
        Result r = sknet("import-torch", "--arch", "sknet26", "--num-classes", "10", "--weights", weights.toString(),
                "--out", model.toString(), "--size", "64");
        assertEquals(0, r.code, r.err);
        Map<String, INDArray> ref = Nd4j.createFromNpzFile(
                TestResources.path("/fixtures/sknet26_synthetic_logits.npz").toFile());
        Path xf = dir.resolve("x26.npy"), yf = dir.resolve("y26.npy");
        Npy.write(xf, ref.get("x"));
        assertEquals(0, sknet("predict", "--model", model.toString(), "--input", xf.toString(), "--output",
                yf.toString(), "--no-fold-bn").code);
        INDArray y = Nd4j.createFromNpyFile(yf.toFile());
        double max = ref.get("logits").amaxNumber().doubleValue();
        assertTrue(y.sub(ref.get("logits")).amaxNumber().doubleValue() <= 1e-4 + 1e-3 * max);

        // the same with every BatchNorm folded into its convolution (the default)
        Path yFolded = dir.resolve("y26-folded.npy");
        Result folded = sknet("predict", "--model", model.toString(), "--input", xf.toString(), "--output",
                yFolded.toString());
        assertEquals(0, folded.code, folded.err);
        assertTrue(folded.out.matches("(?s).*BatchNorm folded: (\\d+) of \\1 BatchNorm layers.*"), folded.out);
        INDArray yf32 = Nd4j.createFromNpyFile(yFolded.toFile());
        assertTrue(yf32.sub(ref.get("logits")).amaxNumber().doubleValue() <= 1e-4 + 1e-3 * max);
        assertTrue(yf32.sub(y).amaxNumber().doubleValue() <= 1e-4 * max, "folded vs unfolded logits");

        // a state_dict with a key missing is refused with its name, and no model is written
        sd.remove("stage_4.1.conv3.1.running_var");
        Npy.writeNpz(weights, sd);
        Path bad = dir.resolve("bad.zip");
        Result b = sknet("import-torch", "--arch", "sknet26", "--num-classes", "10", "--weights", weights.toString(),
                "--out", bad.toString());
        assertEquals(2, b.code);
        assertTrue(b.err.contains("missing key 'stage_4.1.conv3.1.running_var'"), b.err);
        assertFalse(Files.exists(bad));
    }

    @Test
    void inferenceCommandsDocumentFoldBn() {
        for (String cmd : new String[] {"predict", "evaluate"}) {
            Result r = sknet(cmd, "--help");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains("[--no-fold-bn]") && r.out.contains("  --no-fold-bn ")
                    && r.out.contains("by default each BatchNorm is folded"), cmd + ": " + r.out);
        }
        Result bench = sknet("bench", "--help");
        assertTrue(bench.out.contains("[--fold-bn]") && bench.out.contains("  --fold-bn "), bench.out);
    }

    @Test
    void errorsAreOneLineWithExitCodes() throws Exception {
        assertError(2, "unknown command", "frobnicate");
        assertError(2, "--model is required", "predict", "--input", "x.npy");
        assertError(2, "model file not found", "evaluate", "--model", "nope.zip", "--data", ".");
        assertError(2, "--epochs must be an integer", "train", "--epochs", "many");
        assertError(2, "unknown option '--colour'", "summary", "--arch", "sknet26", "--colour", "red");
        assertError(2, "unknown architecture 'sknet7'", "summary", "--arch", "sknet7");
        assertError(2, "no checkpoint", "train", "--resume", "--out", dir.resolve("empty").toString());
        assertError(2, "--fold-bn needs --mode inference", "bench", "--arch", "sknet_small", "--mode", "train",
                "--fold-bn");
        assertError(2, "unknown option '--fold-bn'", "train", "--fold-bn");
        Path corrupt = dir.resolve("corrupt.zip");
        Files.writeString(corrupt, "not a zip");
        assertError(1, "cannot read model", "predict", "--model", corrupt.toString(), "--input", corrupt.toString(),
                "--output", dir.resolve("never.npy").toString());
        Path wrong = dir.resolve("wrong.npy");
        // any size from the network's total stride up runs (InputSizeTest); below it, one line naming the smallest
        Npy.write(wrong, Nd4j.rand(DataType.FLOAT, 2, 3, 3, 16));
        Path never = dir.resolve("never.npy");
        if (Files.exists(run.resolve("model.zip"))) {
            assertError(2, "input 3x16 is too small; it needs at least 4x4", "predict", "--model", run.resolve("model.zip").toString(), "--input",
                    wrong.toString(), "--output", never.toString());
        }
        assertFalse(Files.exists(never), "no output after a failure");
    }

    private static void assertError(int code, String mention, String... args) {
        Result r = sknet(args);
        assertEquals(code, r.code, "exit code of " + String.join(" ", args) + ": " + r.err);
        assertTrue(r.err.contains(mention), "'" + r.err + "' should mention '" + mention + "'");
        assertEquals(1, r.err.strip().lines().count(), "one line, no stack trace: " + r.err);
    }

    /**
     * With helpers off every piece runs its SameDiff definition: the command trains, and none of
     * SameDiff's own console lines (one per differentiated op) reach its output.
     */
    @Test
    @Order(100)
    void trainOnTheSameDiffPathKeepsTheOutputClean() throws Exception {
        Helpers.setEnabled(false);
        Result r;
        try {
            r = sknet("train", "--epochs", "1", "--size", "16", "--train-images", "32", "--held-out-images", "16",
                    "--batch", "16", "--bn-recalibrate", "1", "--mode-check", "1", "--out", dir.resolve("samediff").toString());
        } finally {
            Helpers.setEnabled(true);
        }
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("held-out accuracy:"), r.out);
        assertFalse(r.out.contains("Added differentiated op") || r.err.contains("Added differentiated op"), r.out);
        assertTrue(Files.size(dir.resolve("samediff").resolve("model.zip")) > 0);
    }

    /** {@code sknet bench} on both paths: the header names the path, the last line is the throughput. */
    @Test
    @Order(101)
    void benchTimesEitherPath() {
        for (boolean samediff : new boolean[] {false, true}) {
            String[] args = samediff
                    ? new String[] {"bench", "--arch", "sknet_small", "--size", "16", "--batch", "2", "--iters", "1",
                            "--warmup", "0", "--mode", "train", "--samediff"}
                    : new String[] {"bench", "--arch", "sknet_small", "--size", "16", "--batch", "2", "--iters", "1",
                            "--warmup", "0", "--mode", "train"};
            Result r = sknet(args);
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains(samediff ? "SameDiff definitions (helpers off)" : "helpers (oneDNN)"), r.out);
            String last = r.out.strip().substring(r.out.strip().lastIndexOf('\n') + 1);
            assertTrue(last.matches("images/s: [0-9]+\\.[0-9]+"), last);
        }
        assertTrue(Helpers.enabled(), "bench --samediff must leave the helpers as it found them");
    }

    /** Inference in {@code bench} reports the warm-up it ran, or that it is off; training runs none, as train. */
    @Test
    @Order(102)
    void benchWarmsUpForInferenceOnly() {
        String[] inference = {"bench", "--arch", "sknet_small", "--size", "16", "--batch", "2", "--iters", "1",
                "--warmup", "0"};
        Result on = sknet(inference);
        assertEquals(0, on.code, on.err);
        assertTrue(on.out.matches("(?s).*\\nprocess warm-up: [0-9]+ passes of a tiny SK network.*"), on.out);
        assertFalse(on.err.contains("warm-up failed"), on.err);
        Result train = sknet("bench", "--arch", "sknet_small", "--size", "16", "--batch", "2", "--iters", "1",
                "--warmup", "0", "--mode", "train");
        assertEquals(0, train.code, train.err);
        assertFalse(train.out.contains("warm-up:"), train.out);
        System.setProperty(CommandWarmUp.PROPERTY, "false");
        Result off;
        try {
            off = sknet(inference);
        } finally {
            System.clearProperty(CommandWarmUp.PROPERTY);
        }
        assertEquals(0, off.code, off.err);
        assertTrue(off.out.contains("process warm-up: off"), off.out);
    }
}
