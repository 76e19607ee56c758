package io.github.sknet.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.Augmentation;
import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.AtomicFiles;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.app.report.TrainingPlot;
import io.github.sknet.models.train.FineTuning;
import io.github.sknet.models.train.Trainer;
import io.github.sknet.models.train.TrainingRecipe;
import io.github.sknet.models.train.WarmupSchedule;

/**
 * {@code sknet train}: trains an SKNet on the built-in synthetic shapes (default) or an image folder with
 * a {@link TrainingRecipe}, evaluates on held-out images after every epoch, and keeps in the output
 * folder: model.zip (final), best.zip (best held-out top-1), checkpoint.zip (with updater state, for
 * --resume), metrics.json and training.png.
 */
final class TrainCommand {
    static final String HELP = String.join("\n",
            "usage: sknet train [--data DIR] [--arch A | --init M.zip [--freeze]] [--size S] [--epochs N] [--batch B]",
            "                   [--out DIR] [--resume] [--force]",
            "                   [--optimizer O] [--lr LR] [--weight-decay WD] [--momentum M] [--warmup-epochs E]",
            "                   [--schedule cosine|step|constant] [--step-epochs E] [--step-gamma G]",
            "                   [--label-smoothing EPS] [--clip-grad NORM] [--crop-scale MIN] [--hflip P] [--no-augment]",
            "                   [--no-background] [--bn-recalibrate N] [--mode-check N] [--stop-after N]",
            "                   [--seed N] [--train-images N] [--held-out-images N]",
            "  --init M.zip          fine-tune a trained or imported model: new classifier for the folder's classes,",
            "                        the model's architecture, input size and image preparation (--size overrides)",
            "  --freeze              with --init: train only the new classifier (the trunk keeps its weights and",
            "                        BatchNorm statistics)",
            "  --data DIR            image folder: DIR/<class>/*.png (80/20 stratified split, every image used) or",
            "                        DIR/train/<class>/ and DIR/val/<class>/ (used as given); default: synthetic shapes",
            "  --arch A              sknet_small (default), sknet_cifar, sknet26, sknet50, sknet101, skresnet18, ...",
            "  --size S              input size in pixels (default 32)",
            "  --epochs N            total epochs (default 6; with --resume, the total to reach)",
            "  --batch B             mini-batch size (default 64)",
            "  --out DIR             output folder (default sknet-out); a trained model there is kept unless --force",
            "  --force               replace the model and checkpoint already in --out",
            "  --resume              continue from DIR/checkpoint.zip (schedule, data order and augmentation continue",
            "                        exactly; keep --epochs of the first run)",
            "  --stop-after N        stop after epoch N of the --epochs schedule (continue later with --resume)",
            "  --optimizer O         sgd (default: Nesterov momentum), adamw, adam",
            "  --lr LR               peak learning rate (default: sgd 0.2 x B/64, adam/adamw 0.001 x B/64; a tenth of it",
            "                        with --init)",
            "  --weight-decay WD     on conv and dense weights, not BatchNorm or biases (default: sgd 5e-4, adamw 0.05,",
            "                        adam 0)",
            "  --momentum M          SGD momentum (default 0.9)",
            "  --warmup-epochs E     linear warm-up (default 1)",
            "  --schedule S          after warm-up: cosine to 0 (default), step, constant",
            "  --step-epochs E       step schedule: epochs between steps (default 30)",
            "  --step-gamma G        step schedule: factor per step (default 0.1)",
            "  --label-smoothing EPS (default 0.1)",
            "  --clip-grad NORM      clip each layer's gradient to this L2 norm (default: off)",
            "  --crop-scale MIN      image folders: random-resized-crop area fraction MIN..1 (default 0.6)",
            "  --hflip P             image folders: horizontal flip probability (default 0: a mirrored digit or letter",
            "                        is another class; 0.5 for photos whose mirror image is the same class)",
            "  --no-augment          image folders: train on the evaluation view (no crop, no flip)",
            "  --no-background       decode images on the training thread (default: a background thread)",
            "  --bn-recalibrate N    recompute BatchNorm statistics on N training batches after each epoch",
            "                        (default 50; 0 keeps the running averages)",
            "  --mode-check N        after each epoch, top-1 on N batches of training images in inference mode and in",
            "                        training mode (default 10; 0: off); a gap means the BatchNorm statistics are off",
            "  --train-images N      synthetic data: training images (default 4000)",
            "  --held-out-images N   synthetic data: held-out images (default 1000)");

    /** Options that shape the optimiser and schedule; a resumed run takes them from its checkpoint. */
    private static final List<String> RECIPE_OPTIONS = List.of("--optimizer", "--lr", "--weight-decay", "--momentum",
            "--warmup-epochs", "--schedule", "--step-epochs", "--step-gamma", "--clip-grad");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TrainCommand() {
    }

    /** The data of one run: iterators and what the metadata needs. */
    private record Data(DataSetIterator train, DataSetIterator heldOut, DataSetIterator recalibration, List<String> classes,
                        int trainImages, String description) {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("train", argv, Set.of("--data", "--arch", "--size", "--epochs", "--batch", "--lr", "--out",
                "--seed", "--train-images", "--held-out-images", "--optimizer", "--weight-decay", "--momentum",
                "--warmup-epochs", "--schedule", "--step-epochs", "--step-gamma", "--label-smoothing", "--clip-grad",
                "--crop-scale", "--hflip", "--bn-recalibrate", "--stop-after", "--mode-check", "--init"),
                Set.of("--resume", "--verbose", "--no-augment", "--no-background", "--force", "--freeze"));
        // fine-tuning: the architecture, input size and image preparation come from the initial model
        ComputationGraph init = null;
        SKNetModelFile.Meta initMeta = null;
        if (a.has("--init")) {
            if (a.flag("--resume") || a.has("--arch")) {
                throw CliException.usage("--init takes the architecture from the model; it goes with neither "
                        + "--resume nor --arch");
            }
            if (!a.has("--data")) {
                throw CliException.usage("--init fine-tunes on an image folder: give --data DIR");
            }
            init = ModelFiles.load(a.path("--init"), false);
            initMeta = ModelFiles.meta(a.path("--init"), init);
            if (initMeta.preprocessing() == null) {
                throw CliException.usage(a.path("--init") + " has no sknet metadata (input size unknown)");
            }
        } else if (a.flag("--freeze")) {
            throw CliException.usage("--freeze goes with --init M.zip");
        }
        Path out = Path.of(a.string("--out", "sknet-out"));
        Path checkpoint = out.resolve("checkpoint.zip");
        ComputationGraph resumed = null;
        if (a.flag("--resume")) {
            if (!Files.isRegularFile(checkpoint)) {
                throw CliException.usage("train --resume: no checkpoint in " + out + " (expected " + checkpoint + ")");
            }
            resumed = ModelFiles.load(checkpoint, true);
            // a resumed run is the checkpoint's architecture and preparation unless told otherwise
            initMeta = ModelFiles.meta(checkpoint, resumed);
        }
        SKNetVariant variant = variant(a.has("--arch") || initMeta == null ? a.string("--arch", "sknet_small")
                : initMeta.arch());
        ImagePreprocessing recorded = initMeta == null ? null : initMeta.preprocessing();
        int size = a.integer("--size", recorded != null ? recorded.size() : 32, 16);
        int epochs = a.integer("--epochs", 6, 1);
        int batch = a.integer("--batch", 64, 1);
        int stopAfter = Math.min(epochs, a.integer("--stop-after", epochs, 1));
        long seed = a.integer("--seed", 42, 0);
        TrainingRecipe recipe = recipe(a, batch, a.has("--init"));
        checkOutput(out, a.flag("--resume"), a.flag("--force"));
        ImagePreprocessing prep = recorded != null ? recorded.withSize(size) : ImagePreprocessing.plain(size);
        Data data = data(a, prep, batch, seed);
        Files.createDirectories(out);
        int itersPerEpoch = (data.trainImages + batch - 1) / batch;

        // model
        Path metricsFile = out.resolve("metrics.json");
        ComputationGraph g;
        List<Trainer.EpochResult> history = new ArrayList<>();
        int done = 0;
        if (resumed != null) {
            g = resumed;
            SKNetModelFile.Meta meta = initMeta;
            if (!meta.arch().equals(variant.id()) || meta.size() != size || !meta.classes().equals(data.classes)) {
                throw CliException.usage("train --resume: the checkpoint is " + meta.arch() + " at " + meta.size()
                        + "px with classes " + meta.classes() + ", not " + variant.id() + " at " + size + "px with "
                        + data.classes);
            }
            done = meta.epochsDone();
            history = readHistory(metricsFile, done);
            for (String o : RECIPE_OPTIONS) {
                if (a.has(o)) {
                    System.err.println("sknet train: warning: " + o + " is ignored with --resume: the checkpoint's "
                            + "optimiser, schedule and regularisation continue");
                }
            }
            System.out.printf("resuming %s from %s after epoch %d%n", variant.id(), checkpoint, done);
        } else if (init != null) {
            g = FineTuning.prepare(init, data.classes.size(), recipe, itersPerEpoch, epochs, a.flag("--freeze"), seed);
            System.out.printf("fine-tuning %s from %s: new %d-class classifier%s, input 3x%dx%d%n", variant.id(),
                    a.path("--init"), data.classes.size(), a.flag("--freeze") ? ", trunk frozen up to "
                            + FineTuning.TRUNK_END : "", size, size);
        } else {
            g = SKNet.builder(variant).numClasses(data.classes.size()).inputShape(3, size, size).seed(seed)
                    .updater(recipe.updater(itersPerEpoch, epochs)).regularization(recipe.regularization())
                    .clipGradient(recipe.clipGradient()).build().init();
            System.out.printf("model: %s, %,d parameters, input 3x%dx%d%n", variant.id(), g.numParams(), size, size);
        }
        System.out.println("recipe: " + recipe + ", " + epochs + " epochs of " + itersPerEpoch + " steps");
        if (done >= epochs) {
            System.out.printf("nothing to do: %d of %d epochs already done%n", done, epochs);
        }

        SKNetModelFile.Meta meta = new SKNetModelFile.Meta(variant.id(), size, data.classes, done, prep);
        List<Trainer.EpochResult> h = history;
        ComputationGraph net = g;
        String title = variant.id() + " on " + data.description;
        ProgressBar[] bar = new ProgressBar[1];
        long[] epochStart = {System.nanoTime()};
        Trainer trainer = new Trainer(recipe).background(!a.flag("--no-background"))
                .recalibrationBatches(a.integer("--bn-recalibrate", 50, 0)).modeCheckBatches(a.integer("--mode-check", 10, 0));
        try {
            trainer.fit(g, data.train, data.heldOut, data.recalibration, done + 1, stopAfter,
                    (epoch, images, loss) -> {
                        if (bar[0] == null) {
                            bar[0] = new ProgressBar(System.out, String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs),
                                    data.trainImages, epochStart[0]);
                        }
                        bar[0].update(images, loss);
                    },
                    r -> {
                        bar[0] = null;
                        boolean best = h.stream().allMatch(p -> r.heldOutTop1() > p.heldOutTop1());
                        h.add(r);
                        System.out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, lr %.4g, held-out top-1 %.4f, "
                                        + "top-5 %.4f, loss %.4f (%.1f s, %.0f images/s)%s%n", r.epoch(), epochs,
                                r.trainLoss(), r.learningRate(), r.heldOutTop1(), r.heldOutTop5(), r.heldOutLoss(),
                                r.seconds(), r.imagesPerSecond(), best ? ", best so far" : "");
                        if (!Double.isNaN(r.trainImagesInferenceTop1())) {
                            System.out.printf(Locale.ROOT, "  training images: inference-mode top-1 %.4f, training-mode "
                                    + "%.4f%n", r.trainImagesInferenceTop1(), r.trainImagesTrainingModeTop1());
                        }
                        SKNetModelFile.Meta m = meta.withEpochsDone(r.epoch());
                        // metrics first: a crash after it leaves a checkpoint one epoch behind, which --resume
                        // redoes exactly; the history of the epochs before is never lost
                        writeMetrics(metricsFile, meta, recipe, h);
                        ModelFiles.save(net, m, checkpoint, true);
                        if (best) {
                            ModelFiles.save(net, m, out.resolve("best.zip"), false);
                        }
                        TrainingPlot.write(out.resolve("training.png"), h.stream().map(Trainer.EpochResult::trainLoss).toList(),
                                h.stream().map(Trainer.EpochResult::heldOutTop1).toList(),
                                h.stream().map(Trainer.EpochResult::learningRate).toList(), title);
                        epochStart[0] = System.nanoTime(); // the next epoch's work begins after this report
                    });
        } catch (Trainer.DivergedException e) {
            throw CliException.failure(e.getMessage(), e);
        }
        if (stopAfter < epochs) {
            System.out.printf("stopped after epoch %d of %d as asked; continue with --resume --epochs %d%n", stopAfter,
                    epochs, epochs);
            return 0;
        }
        ModelFiles.save(g, meta.withEpochsDone(Math.max(done, epochs)), out.resolve("model.zip"), false);
        double acc = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).heldOutTop1();
        System.out.printf(Locale.ROOT, "held-out accuracy: %.4f%nwrote %s, %s, %s, %s, %s%n", acc,
                out.resolve("model.zip"), out.resolve("best.zip"), checkpoint, metricsFile, out.resolve("training.png"));
        return 0;
    }

    /**
     * Before any work: the output folder can be written, and a trained model in it is replaced only with
     * --force (or continued with --resume).
     */
    private static void checkOutput(Path out, boolean resume, boolean force) {
        // the folder itself is made only when training starts, so a refused run leaves nothing behind
        Path existing = out.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            if (existing == null || !Files.isDirectory(existing)) {
                throw new IOException((existing == null ? out : existing) + " is not a folder");
            }
            Files.deleteIfExists(Files.createTempFile(existing, ".sknet-write-check", ".tmp"));
        } catch (IOException | RuntimeException e) {
            throw CliException.usage("cannot write to the output folder " + out + " (" + e.getMessage() + ")");
        }
        if (!resume && !force) {
            for (String f : new String[] {"model.zip", "checkpoint.zip"}) {
                if (Files.exists(out.resolve(f))) {
                    throw CliException.usage(out.resolve(f) + " exists; continue it with --resume, replace it "
                            + "with --force, or choose another --out");
                }
            }
        }
    }

    private static TrainingRecipe recipe(Args a, int batch, boolean fineTuning) {
        try {
            TrainingRecipe.Optimizer o = TrainingRecipe.Optimizer.byName(a.string("--optimizer", "sgd"));
            TrainingRecipe d = TrainingRecipe.defaults(o, batch);
            d = fineTuning ? d.forFineTuning() : d;
            String schedule = a.string("--schedule", "cosine");
            WarmupSchedule.Decay decay = switch (schedule) {
                case "cosine" -> WarmupSchedule.Decay.COSINE;
                case "step" -> WarmupSchedule.Decay.STEP;
                case "constant" -> WarmupSchedule.Decay.CONSTANT;
                default -> throw new IllegalArgumentException("--schedule must be cosine, step or constant, got '"
                        + schedule + "'");
            };
            return new TrainingRecipe(o, a.decimal("--lr", d.learningRate()), a.nonNegative("--momentum", d.momentum()),
                    a.nonNegative("--weight-decay", d.weightDecay()), a.nonNegative("--warmup-epochs", d.warmupEpochs()),
                    decay, a.decimal("--step-epochs", d.stepEpochs()), a.decimal("--step-gamma", d.stepGamma()),
                    a.nonNegative("--label-smoothing", d.labelSmoothing()), a.nonNegative("--clip-grad", 0));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static Data data(Args a, ImagePreprocessing prep, int batch, long seed) {
        if (!a.has("--data")) {
            int n = a.integer("--train-images", 4000, 1);
            int m = a.integer("--held-out-images", 1000, 1);
            SyntheticShapes shapes = new SyntheticShapes(prep.size(), seed);
            DataSetIterator train = shapes.iterator(n, batch);
            System.out.printf("data: built-in synthetic shapes %dx%d, %d classes %s, %d training / %d held-out images%n",
                    prep.size(), prep.size(), shapes.numClasses(), shapes.classNames(), n, m);
            return new Data(train, new SyntheticShapes(prep.size(), seed + 1).iterator(m, batch), train,
                    shapes.classNames(), n, "synthetic shapes");
        }
        Path dir = Path.of(a.required("--data"));
        ImageFolder folder;
        Augmentation aug;
        try {
            folder = ImageFolder.open(dir, 0.2, seed);
            aug = a.flag("--no-augment") ? Augmentation.NONE
                    : new Augmentation(a.decimal("--crop-scale", 0.6), 1, a.nonNegative("--hflip", 0));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        } catch (java.io.UncheckedIOException e) {
            throw CliException.failure(e.getMessage(), e);
        }
        folder.warnings().forEach(w -> System.err.println("sknet train: warning: " + w));
        if (folder.heldOut().isEmpty()) {
            throw CliException.usage(dir + " leaves no held-out images (each class needs 2 or more)");
        }
        List<String> classes = folder.classes();
        System.out.printf("data: %s, %d classes, %d training / %d held-out images (%s), per class %s%n", dir,
                classes.size(), folder.train().size(), folder.heldOut().size(),
                folder.givenSplit() ? "train/ and val/ as given" : "stratified 80/20 split",
                Arrays.toString(folder.counts(folder.train())));
        System.out.println("augmentation: " + (aug.isNone() ? "none" : String.format(Locale.ROOT,
                "random-resized-crop %.2f-1, horizontal flip %.2f", aug.minScale(), aug.flip())));
        ImageFolderIterator train = new ImageFolderIterator(folder.train(), classes, batch, prep, aug, true, seed);
        // recalibration sees the training images as inference will: the evaluation view, a fixed order
        ImageFolderIterator recal = new ImageFolderIterator(folder.train(), classes, batch, prep, Augmentation.NONE, true,
                seed + 1);
        return new Data(train, ImageFolderIterator.forEvaluation(folder.heldOut(), classes, batch, prep), recal, classes,
                folder.train().size(), dir.getFileName().toString());
    }

    static SKNetVariant variant(String id) {
        try {
            return SKNetVariant.byId(id);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static void writeMetrics(Path file, SKNetModelFile.Meta meta, TrainingRecipe recipe,
                                     List<Trainer.EpochResult> history) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("arch", meta.arch());
        o.put("size", meta.size());
        o.put("classes", meta.classes().size());
        o.put("recipe", recipe.toString());
        ArrayNode epochs = o.putArray("epochs");
        Trainer.EpochResult best = null;
        for (Trainer.EpochResult r : history) {
            ObjectNode e = epochs.addObject();
            e.put("epoch", r.epoch());
            e.put("train_loss", r.trainLoss());
            e.put("learning_rate", r.learningRate());
            e.put("held_out_accuracy", r.heldOutTop1());
            e.put("held_out_top5", r.heldOutTop5());
            e.put("held_out_loss", r.heldOutLoss());
            e.put("seconds", r.seconds());
            e.put("images_per_second", r.imagesPerSecond());
            if (!Double.isNaN(r.trainImagesInferenceTop1())) {
                e.put("train_images_inference_accuracy", r.trainImagesInferenceTop1());
                e.put("train_images_training_mode_accuracy", r.trainImagesTrainingModeTop1());
            }
            best = best == null || r.heldOutTop1() > best.heldOutTop1() ? r : best;
        }
        if (best != null) {
            o.put("best_epoch", best.epoch());
            o.put("best_held_out_accuracy", best.heldOutTop1());
            o.put("final_held_out_accuracy", history.get(history.size() - 1).heldOutTop1());
        }
        byte[] bytes = JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** The entries of epochs 1..{@code epochs} of an earlier metrics.json (a later entry is an epoch being redone). */
    private static List<Trainer.EpochResult> readHistory(Path file, int epochs) throws IOException {
        List<Trainer.EpochResult> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        JsonNode o;
        try {
            o = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw CliException.failure("train --resume: cannot read " + file + ": " + e.getMessage(), e);
        }
        for (JsonNode e : o.path("epochs")) {
            int epoch = e.path("epoch").asInt();
            if (epoch >= 1 && epoch <= epochs) {
                out.add(new Trainer.EpochResult(epoch, e.path("train_loss").asDouble(), e.path("learning_rate").asDouble(),
                        e.path("held_out_accuracy").asDouble(), e.path("held_out_top5").asDouble(),
                        e.path("held_out_loss").asDouble(), e.path("seconds").asDouble(),
                        e.path("images_per_second").asDouble(),
                        e.path("train_images_inference_accuracy").asDouble(Double.NaN),
                        e.path("train_images_training_mode_accuracy").asDouble(Double.NaN)));
            }
        }
        return out;
    }
}
