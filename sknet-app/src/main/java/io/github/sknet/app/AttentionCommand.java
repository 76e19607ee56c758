package io.github.sknet.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.datavec.image.loader.NativeImageLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.layer.sk.SKAttention;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.AtomicFiles;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.app.report.AttentionPlot;
import io.github.sknet.models.io.ImagePixels;

/**
 * {@code sknet attention}: the paper's Fig. 3 redone. For each SK unit, the mean attention on the
 * largest kernel minus the smallest, at several object scales: objects drawn at exact scales
 * (synthetic data) or images enlarged by the scale and centre-cropped (--data). Writes a CSV (one row
 * per SK unit) and a PNG plot.
 */
final class AttentionCommand {
    static final String HELP = String.join("\n",
            "usage: sknet attention --model M.zip [--data DIR] [--scales 1.0,1.5,2.0] [--images N] --out DIR",
            "  synthetic data (default): objects drawn at base extent 0.3 x scale of the image",
            "  --data DIR: every image enlarged by each scale and centre-cropped back to the model's size",
            "  writes DIR/attention.csv (one row per SK unit) and DIR/attention.png");

    private AttentionCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("attention", argv, Set.of("--model", "--data", "--scales", "--images", "--out", "--seed"),
                Set.of("--verbose"));
        Path modelFile = a.path("--model");
        Path out = a.path("--out");
        double[] scales = scales(a.string("--scales", "1.0,1.5,2.0"));
        int n = a.integer("--images", 200, 1);
        Outputs.checkFolder("attention", "--out", out, modelFile);
        if (a.has("--data") && !Files.isDirectory(a.path("--data"))) {
            throw CliException.usage("attention: data folder not found: " + a.path("--data"));
        }
        ComputationGraph g = ModelFiles.load(modelFile, false);
        SKNetModelFile.Meta meta = ModelFiles.meta(modelFile, g);
        if (meta.size() < 1) {
            throw CliException.usage("attention: " + modelFile + " has no sknet metadata (input size unknown)");
        }
        Map<String, double[]> diff = new LinkedHashMap<>(); // SK unit -> per scale
        for (int s = 0; s < scales.length; s++) {
            INDArray x = a.has("--data") ? zoomedImages(Path.of(a.required("--data")), meta.size(), scales[s], n)
                    : new SyntheticShapes(meta.size(), a.integer("--seed", 7, 0)).sampleAtScale(n,
                            Math.min(1.0, 0.3 * scales[s])).getFeatures();
            Map<String, INDArray> att = SKAttention.readAll(g, x);
            if (att.isEmpty()) {
                throw CliException.usage("attention: " + modelFile + " has no SKConv");
            }
            for (Map.Entry<String, INDArray> e : att.entrySet()) {
                INDArray w = e.getValue(); // [N, M, C]
                double largest = w.get(NDArrayIndex.all(), NDArrayIndex.point(w.size(1) - 1), NDArrayIndex.all())
                        .meanNumber().doubleValue();
                double smallest = w.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).meanNumber()
                        .doubleValue();
                diff.computeIfAbsent(unitName(e.getKey()), k -> new double[scales.length])[s] = largest - smallest;
            }
        }
        Files.createDirectories(out);
        StringBuilder csv = new StringBuilder("sk_unit");
        for (double sc : scales) {
            csv.append(String.format(Locale.ROOT, ",scale_%.2f", sc));
        }
        csv.append('\n');
        for (Map.Entry<String, double[]> e : diff.entrySet()) {
            csv.append(e.getKey());
            for (double v : e.getValue()) {
                csv.append(String.format(Locale.ROOT, ",%.6f", v));
            }
            csv.append('\n');
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("attention.csv"), o -> o.write(bytes));
        AttentionPlot.write(out.resolve("attention.png"), new ArrayList<>(diff.keySet()), scales,
                new ArrayList<>(diff.values()), meta.arch() + ": attention on the larger kernel minus the smaller");
        System.out.print(csv);
        System.out.printf("wrote %s and %s%n", out.resolve("attention.csv"), out.resolve("attention.png"));
        return 0;
    }

    /** "stage_2.0.conv2_sk" -> "stage_2.0" */
    private static String unitName(String skConv) {
        int dot = skConv.lastIndexOf('.');
        return dot > 0 ? skConv.substring(0, dot) : skConv;
    }

    private static double[] scales(String list) {
        String[] parts = list.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage("attention: --scales takes numbers like 1.0,1.5,2.0, got '" + list + "'");
            }
            if (!(out[i] > 0)) {
                throw CliException.usage("attention: scales must be > 0, got " + out[i]);
            }
        }
        return out;
    }

    /** Up to n images of the folder, each enlarged by the scale and centre-cropped to size x size, in [0, 1]. */
    private static INDArray zoomedImages(Path dir, int size, double scale, int n) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw CliException.usage("attention: data folder not found: " + dir);
        }
        if (scale < 1) {
            throw CliException.usage("attention: with --data, scales enlarge the images and must be >= 1, got " + scale);
        }
        int big = (int) Math.round(size * scale);
        NativeImageLoader loader = new NativeImageLoader(big, big, 3);
        List<INDArray> xs = new ArrayList<>();
        try (var files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                if (xs.size() >= n) {
                    break;
                }
                INDArray img = loader.asMatrix(p.toFile());
                int off = (big - size) / 2;
                xs.add(img.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(off, off + size),
                        NDArrayIndex.interval(off, off + size)).dup());
            }
        }
        if (xs.isEmpty()) {
            throw CliException.usage("attention: no images in " + dir);
        }
        return ImagePixels.fromDataVec(Nd4j.concat(0, xs.toArray(new INDArray[0])));
    }
}
