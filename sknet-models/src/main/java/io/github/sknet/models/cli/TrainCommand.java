package io.github.sknet.models.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.AtomicFiles;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.report.TrainingPlot;

/**
 * {@code sknet train}: trains an SKNet on the built-in synthetic shapes (default) or an image folder,
 * evaluates on a held-out split after every epoch, and keeps in the output folder: model.zip (final),
 * checkpoint.zip (with updater state, for --resume), metrics.json and training.png.
 */
final class TrainCommand {
    static final String HELP = String.join("\n",
            "usage: sknet train [--data DIR] [--arch A] [--size S] [--epochs N] [--batch B] [--lr LR] [--out DIR]",
            "                   [--resume] [--seed N] [--train-images N] [--held-out-images N]",
            "  --data DIR            image folder, one sub-folder per class (default: built-in synthetic shapes)",
            "  --arch A              sknet_small (default), sknet_cifar, sknet26, sknet50, sknet101, skresnet18, ...",
            "  --size S              input size in pixels (default 32)",
            "  --epochs N            total epochs (default 6; with --resume, the total to reach)",
            "  --batch B             mini-batch size (default 64)",
            "  --lr LR               Adam learning rate (default 0.002)",
            "  --out DIR             output folder (default sknet-out)",
            "  --resume              continue from DIR/checkpoint.zip",
            "  --train-images N      synthetic data: training images (default 4000)",
            "  --held-out-images N   synthetic data: held-out images (default 1000)");

    private TrainCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("train", argv, Set.of("--data", "--arch", "--size", "--epochs", "--batch", "--lr", "--out",
                "--seed", "--train-images", "--held-out-images"), Set.of("--resume", "--verbose"));
        SKNetVariant variant = variant(a.string("--arch", "sknet_small"));
        int size = a.integer("--size", 32, 16);
        int epochs = a.integer("--epochs", 6, 1);
        int batch = a.integer("--batch", 64, 1);
        double lr = a.decimal("--lr", 2e-3);
        long seed = a.integer("--seed", 42, 0);
        Path out = Path.of(a.string("--out", "sknet-out"));
        Files.createDirectories(out);

        // data
        DataSetIterator train, heldOut;
        List<String> classes;
        int trainImages;
        if (a.has("--data")) {
            ImageFolderData[] parts = ImageFolderData.split(Path.of(a.required("--data")), size, batch, 0.2, seed);
            train = parts[0].iterator;
            heldOut = parts[1].iterator;
            classes = parts[0].classes;
            trainImages = parts[0].images;
            System.out.printf("data: %s, %d classes, %d training / %d held-out images%n", a.required("--data"),
                    classes.size(), parts[0].images, parts[1].images);
        } else {
            int n = a.integer("--train-images", 4000, 1);
            int m = a.integer("--held-out-images", 1000, 1);
            SyntheticShapes shapes = new SyntheticShapes(size, seed);
            train = shapes.iterator(n, batch);
            heldOut = new SyntheticShapes(size, seed + 1).iterator(m, batch);
            classes = shapes.classNames();
            trainImages = n;
            System.out.printf("data: built-in synthetic shapes %dx%d, %d classes %s, %d training / %d held-out images%n",
                    size, size, classes.size(), classes, n, m);
        }

        // model
        Path checkpoint = out.resolve("checkpoint.zip");
        Path metricsFile = out.resolve("metrics.json");
        ComputationGraph g;
        List<double[]> history = new ArrayList<>(); // {loss, accuracy, seconds, images/s}
        int done = 0;
        if (a.flag("--resume")) {
            if (!Files.isRegularFile(checkpoint)) {
                throw CliException.usage("train --resume: no checkpoint in " + out + " (expected " + checkpoint + ")");
            }
            g = ModelFiles.load(checkpoint, true);
            SKNetModelFile.Meta meta = ModelFiles.meta(checkpoint, g);
            if (!meta.arch().equals(variant.id()) || meta.size() != size || !meta.classes().equals(classes)) {
                throw CliException.usage("train --resume: the checkpoint is " + meta.arch() + " at " + meta.size()
                        + "px with classes " + meta.classes() + ", not " + variant.id() + " at " + size + "px with " + classes);
            }
            done = meta.epochsDone();
            history = readHistory(metricsFile, done);
            System.out.printf("resuming %s from %s after epoch %d%n", variant.id(), checkpoint, done);
        } else {
            g = SKNet.builder(variant).numClasses(classes.size()).inputShape(3, size, size).seed(seed)
                    .updater(new Adam(lr)).build().init();
            System.out.printf("model: %s, %,d parameters, input 3x%dx%d%n", variant.id(), g.numParams(), size, size);
        }
        if (done >= epochs) {
            System.out.printf("nothing to do: %d of %d epochs already done%n", done, epochs);
        }

        for (int e = done + 1; e <= epochs; e++) {
            ProgressBar bar = new ProgressBar(System.out, String.format(Locale.ROOT, "epoch %d/%d", e, epochs), trainImages);
            train.reset();
            double lossSum = 0;
            int batches = 0;
            while (train.hasNext()) {
                DataSet ds = train.next();
                g.fit(ds);
                lossSum += g.score();
                batches++;
                bar.update(ds.numExamples(), lossSum / batches);
            }
            double seconds = bar.seconds();
            heldOut.reset();
            Evaluation ev = g.evaluate(heldOut);
            history.add(new double[] {lossSum / Math.max(batches, 1), ev.accuracy(), seconds, trainImages / seconds});
            System.out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, held-out accuracy %.4f (%.1f s)%n", e, epochs,
                    lossSum / Math.max(batches, 1), ev.accuracy(), seconds);
            ModelFiles.save(g, new SKNetModelFile.Meta(variant.id(), size, classes, e), checkpoint, true);
            writeMetrics(metricsFile, variant, size, classes, history);
            List<Double> losses = new ArrayList<>(), accs = new ArrayList<>();
            for (double[] h : history) {
                losses.add(h[0]);
                accs.add(h[1]);
            }
            TrainingPlot.write(out.resolve("training.png"), losses, accs, variant.id() + " on " + (a.has("--data")
                    ? Path.of(a.required("--data")).getFileName() : "synthetic shapes"));
        }
        ModelFiles.save(g, new SKNetModelFile.Meta(variant.id(), size, classes, Math.max(done, epochs)),
                out.resolve("model.zip"), false);
        double acc = history.isEmpty() ? Double.NaN : history.get(history.size() - 1)[1];
        System.out.printf(Locale.ROOT, "held-out accuracy: %.4f%nwrote %s, %s, %s, %s%n", acc,
                out.resolve("model.zip"), checkpoint, metricsFile, out.resolve("training.png"));
        return 0;
    }

    static SKNetVariant variant(String id) {
        try {
            return SKNetVariant.byId(id);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static void writeMetrics(Path file, SKNetVariant v, int size, List<String> classes, List<double[]> history)
            throws IOException {
        StringBuilder sb = new StringBuilder("{\n  \"arch\": \"").append(v.id()).append("\",\n  \"size\": ").append(size)
                .append(",\n  \"classes\": ").append(classes.size()).append(",\n  \"epochs\": [\n");
        for (int i = 0; i < history.size(); i++) {
            double[] h = history.get(i);
            sb.append(String.format(Locale.ROOT, "    {\"epoch\": %d, \"train_loss\": %.6f, \"held_out_accuracy\": %.6f, "
                    + "\"seconds\": %.2f, \"images_per_second\": %.1f}%s%n", i + 1, h[0], h[1], h[2], h[3],
                    i + 1 < history.size() ? "," : ""));
        }
        double last = history.isEmpty() ? Double.NaN : history.get(history.size() - 1)[1];
        sb.append(String.format(Locale.ROOT, "  ],\n  \"final_held_out_accuracy\": %.6f\n}\n", last));
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    /** The first {@code epochs} entries of an earlier metrics.json. */
    private static List<double[]> readHistory(Path file, int epochs) throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        Matcher m = Pattern.compile("\"train_loss\": ([0-9.eE+-]+), \"held_out_accuracy\": ([0-9.eE+-]+), "
                + "\"seconds\": ([0-9.eE+-]+), \"images_per_second\": ([0-9.eE+-]+)").matcher(Files.readString(file));
        while (m.find() && out.size() < epochs) {
            out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
                    Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
        }
        return out;
    }
}
