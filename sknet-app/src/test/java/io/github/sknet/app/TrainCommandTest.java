package io.github.sknet.app;

import static io.github.sknet.app.SknetCommandTest.JSON;
import static io.github.sknet.app.SknetCommandTest.sknet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

import io.github.sknet.models.data.TestImages;
import io.github.sknet.models.io.SKNetModelFile;

/** {@code sknet train} on image folders: the recipe's outputs, exact resume, and a diverging run. */
class TrainCommandTest {
    @TempDir
    static Path dir;

    private static String[] train(Path data, Path out, String... more) {
        String[] base = {"train", "--data", data.toString(), "--size", "16", "--batch", "8", "--out", out.toString(),
                "--bn-recalibrate", "3"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void anInterruptedRunResumedEndsExactlyWhereAnUninterruptedOneDoes() throws Exception {
        Path data = TestImages.photoFolder(dir.resolve("photos"), 24, new int[] {12, 12, 12}, 4);
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted");
        SknetCommandTest.Result a = sknet(train(data, straight, "--epochs", "3"));
        assertEquals(0, a.code, a.err);
        SknetCommandTest.Result b1 = sknet(train(data, interrupted, "--epochs", "3", "--stop-after", "1"));
        assertEquals(0, b1.code, b1.err);
        assertTrue(b1.out.contains("stopped after epoch 1 of 3"), b1.out);
        assertFalse(Files.exists(interrupted.resolve("model.zip")), "no final model before the last epoch");
        SknetCommandTest.Result b2 = sknet(train(data, interrupted, "--epochs", "3", "--resume", "--lr", "0.5"));
        assertEquals(0, b2.code, b2.err);
        assertTrue(b2.err.contains("--lr is ignored with --resume"), b2.err);

        ComputationGraph ga = SKNetModelFile.load(straight.resolve("model.zip"), false);
        ComputationGraph gb = SKNetModelFile.load(interrupted.resolve("model.zip"), false);
        assertTrue(ga.params().equals(gb.params()), "parameters after the resumed run differ");
        assertEquals(ga.getConfiguration().getIterationCount(), gb.getConfiguration().getIterationCount());
        JsonNode ea = JSON.readTree(straight.resolve("metrics.json").toFile()).get("epochs");
        JsonNode eb = JSON.readTree(interrupted.resolve("metrics.json").toFile()).get("epochs");
        assertEquals(3, eb.size());
        for (int e = 0; e < 3; e++) {
            for (String k : new String[] {"epoch", "train_loss", "learning_rate", "held_out_accuracy", "held_out_top5",
                    "held_out_loss"}) {
                assertEquals(ea.get(e).get(k), eb.get(e).get(k), "epoch " + (e + 1) + " " + k);
            }
        }
        // the schedule: warm-up over epoch 1 to the peak, cosine to ~0 at the end
        double peak = 0.2 * 8 / 64;
        assertEquals(peak, ea.get(0).get("learning_rate").asDouble(), 1e-9);
        assertTrue(ea.get(2).get("learning_rate").asDouble() < peak * 0.05, ea.toString());
        assertTrue(Files.exists(straight.resolve("best.zip")));
        assertTrue(a.out.contains("stratified 80/20 split") && a.out.contains("per class [10, 10, 10]"), a.out);
    }

    @Test
    void trainAndValFoldersAreUsedAsGivenAndPreprocessingIsRecorded() throws Exception {
        Path data = dir.resolve("given");
        TestImages.photoFolder(data.resolve("train"), 20, new int[] {8, 8}, 1);
        TestImages.photoFolder(data.resolve("val"), 20, new int[] {3, 3}, 2);
        Path out = dir.resolve("given-run");
        SknetCommandTest.Result r = sknet(train(data, out, "--epochs", "1", "--optimizer", "adamw", "--no-background"));
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("16 training / 6 held-out images (train/ and val/ as given)"), r.out);
        assertTrue(r.out.contains("recipe: adamw"), r.out);
        SKNetModelFile.Meta meta = SKNetModelFile.meta(out.resolve("model.zip"),
                SKNetModelFile.load(out.resolve("model.zip"), false));
        assertEquals(16, meta.preprocessing().size());
        assertEquals(1.0, meta.preprocessing().cropPct());
        JsonNode e = JSON.readTree(out.resolve("metrics.json").toFile()).get("epochs").get(0);
        assertTrue(e.has("learning_rate") && e.has("held_out_top5") && e.has("held_out_loss"), e.toString());
        assertEquals(1.0, e.get("held_out_top5").asDouble(), 0, "top-5 of 2 classes is always right");
    }

    @Test
    void fineTuningReplacesTheClassifierAndFreezesTheTrunk() throws Exception {
        Path first = TestImages.photoFolder(dir.resolve("ft-first"), 20, new int[] {6, 6, 6}, 7);
        Path base = dir.resolve("ft-base");
        SknetCommandTest.Result r = sknet(train(first, base, "--epochs", "1"));
        assertEquals(0, r.code, r.err);
        Path second = TestImages.photoFolder(dir.resolve("ft-second"), 20, new int[] {6, 6}, 8);
        Path tuned = dir.resolve("ft-tuned");
        r = sknet("train", "--init", base.resolve("model.zip").toString(), "--freeze", "--data", second.toString(),
                "--epochs", "1", "--batch", "4", "--out", tuned.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("new 2-class classifier, trunk frozen"), r.out);
        ComputationGraph before = SKNetModelFile.load(base.resolve("model.zip"), false);
        ComputationGraph after = SKNetModelFile.load(tuned.resolve("model.zip"), false);
        SKNetModelFile.Meta meta = SKNetModelFile.meta(tuned.resolve("model.zip"), after);
        assertEquals(java.util.List.of("class_0", "class_1"), meta.classes());
        assertEquals(16, meta.preprocessing().size(), "input size and preparation come from the initial model");
        assertEquals(2, after.getLayer("classifier").getParam("b").length());
        for (String frozen : new String[] {"basic_conv.0", "stage_2.0.conv2_sk/branch1/conv", "stage_3.0.conv3.1"}) {
            for (var e : before.getLayer(frozen).paramTable().entrySet()) {
                assertTrue(e.getValue().equals(after.getLayer(frozen).getParam(e.getKey())), frozen + "." + e.getKey()
                        + " changed");
            }
        }
        r = sknet("evaluate", "--model", tuned.resolve("model.zip").toString(), "--data", second.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("top-5 accuracy: 1.0000"), r.out);
        r = sknet("train", "--init", base.resolve("model.zip").toString(), "--arch", "sknet_small", "--data",
                second.toString(), "--out", dir.resolve("ft-bad").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--init takes the architecture from the model"), r.err);
    }

    @Test
    void outputProblemsAreFoundBeforeAnyTraining() throws Exception {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        SknetCommandTest.Result r = sknet("train", "--epochs", "1", "--train-images", "32", "--held-out-images", "8",
                "--size", "16", "--out", notADir.resolve("run").toString());
        assertEquals(2, r.code, r.out);
        assertTrue(r.err.contains("cannot write to the output folder"), r.err);
        assertFalse(r.out.contains("epoch 1/1"), "trained before failing: " + r.out);

        Path out = Files.createDirectories(dir.resolve("trained"));
        Files.writeString(out.resolve("model.zip"), "a model");
        r = sknet("train", "--epochs", "1", "--train-images", "32", "--held-out-images", "8", "--size", "16", "--out",
                out.toString());
        assertEquals(2, r.code, r.out);
        assertTrue(r.err.contains("exists; continue it with --resume, replace it with --force"), r.err);
        assertEquals("a model", Files.readString(out.resolve("model.zip")));
        r = sknet("train", "--epochs", "1", "--train-images", "32", "--held-out-images", "8", "--size", "16", "--out",
                out.toString(), "--force");
        assertEquals(0, r.code, r.err);
        assertTrue(Files.size(out.resolve("model.zip")) > 1000);
    }

    @Test
    void aDivergingRunStopsNamingTheStepAndTheLearningRate() {
        SknetCommandTest.Result r = sknet("train", "--epochs", "1", "--train-images", "64", "--held-out-images", "16",
                "--batch", "16", "--size", "16", "--lr", "1e12", "--warmup-epochs", "0", "--out",
                dir.resolve("nan").toString());
        assertEquals(1, r.code, r.err);
        assertTrue(r.err.contains("training diverged") && r.err.contains("epoch 1, step")
                && r.err.matches("(?s).*learning rate [0-9.]+e\\+1[12].*"), r.err);
        assertFalse(r.err.contains("train: train:"), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertFalse(Files.exists(dir.resolve("nan").resolve("model.zip")));
    }
}
