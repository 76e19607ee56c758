package io.github.sknet.layer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import io.github.sknet.layer.conv.ConvGeometry;
import io.github.sknet.layer.conv.GroupedConvHelper;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;
import io.github.sknet.layer.sk.SKConv;
import io.github.sknet.layer.sk.SKConvConfig;

/**
 * SKConv and grouped-convolution timings (median ms over timed iterations after warm-up), float32,
 * next to docs/reference.md's PyTorch 1.13 figures and, with {@code --pytorch FILE}, PyTorch measured in the
 * same run by tools/bench/skconv_pytorch.py.
 *
 * <pre>java ... SKConvBenchmark [--iters 10] [--warmup 20] [--pytorch results.json] [--samediff]</pre>
 *
 * {@code --samediff} also times every SKConv workload on the SameDiff path (helpers off, the
 * definitions with autodiff), next to the helpers' figures.
 */
public final class SKConvBenchmark {
    /** docs/reference.md, PyTorch 1.13 on a 2-core machine: inference and training ms. */
    private static final Map<String, double[]> SPEC = Map.of(
            "N=8 C=128 56x56", new double[] {24, 126},
            "N=8 C=256 28x28", new double[] {9.8, 33});

    private SKConvBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        checkArgs(args);
        int iters = intArg(args, "--iters", 10, 1);
        int warmup = intArg(args, "--warmup", 20, 0);
        Map<String, Double> torch = readPyTorch(strArg(args, "--pytorch", null));
        System.out.printf(Locale.ROOT, "ND4J %s backend, %d threads available, oneDNN grouped conv %s%n",
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                Runtime.getRuntime().availableProcessors(),
                OneDnn.isAvailable() ? "loaded" : "NOT loaded (" + OneDnn.loadError() + ")");
        System.out.println("workload                                   sknet-dl4j ms   PyTorch(run) ms   ratio   PyTorch(SPEC) ms");
        int[][] shapes = {{8, 128, 56}, {8, 256, 28}};
        for (int[] s : shapes) {
            String key = "N=" + s[0] + " C=" + s[1] + " " + s[2] + "x" + s[2];
            INDArray x = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[2]);
            INDArray labels = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[2]);
            boolean[] paths = Arrays.asList(args).contains("--samediff") ? new boolean[] {true, false} : new boolean[] {true};
            for (boolean helpers : paths) {
                Helpers.setEnabled(helpers);
                try {
                    skconvRows(key, s, x, labels, helpers ? "" : " [SameDiff]", torch, warmup, iters);
                } finally {
                    Helpers.setEnabled(true);
                }
            }

            for (int dil = 1; dil <= 2; dil++) {
                ConvGeometry geo = new ConvGeometry(s[0], s[1], s[2], s[2], s[1], 32, new int[] {3, 3},
                        new int[] {1, 1}, new int[] {dil, dil}, new int[] {dil, dil});
                INDArray w = Nd4j.rand(DataType.FLOAT, geo.weightShape());
                INDArray y = Nd4j.create(DataType.FLOAT, geo.outputShape());
                GroupedConvHelper e = GroupedConvHelper.forDataType(DataType.FLOAT);
                if (e == null) {
                    System.out.println("    grouped conv helper: none (oneDNN not loaded or helpers off)");
                    continue;
                }
                double ms = median(time(() -> e.forward(geo, x, w, null, false, y), warmup, iters));
                String name = "grouped conv G=32 d=" + dil + " " + key + " fwd";
                row(name, ms, torch.get("conv " + key + " d=" + dil), Double.NaN);
                System.out.printf(Locale.ROOT, "    %s helper: %.1f effective GFLOP/s%n", e.name(),
                        2.0 * geo.multiplyAdds() / (ms * 1e6));
            }
        }
    }

    /** The SKConv rows of one shape on the path the graphs built now take ({@code path} labels it). */
    private static void skconvRows(String key, int[] s, INDArray x, INDArray labels, String path,
                                   Map<String, Double> torch, int warmup, int iters) {
        ComputationGraph g = skconvGraph(s[1], s[2], Loss.FLAT);
        ComputationGraph perPixel = skconvGraph(s[1], s[2], Loss.PER_PIXEL);
        ComputationGraph inference = skconvGraph(s[1], s[2], Loss.NONE);
        // inference as a deployment would run it: the result lands in a reused output workspace
        WorkspaceConfiguration wsc = WorkspaceConfiguration.builder().policyLearning(LearningPolicy.FIRST_LOOP)
                .build();
        double inf = median(time(() -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsc, "bench-output")) {
                inference.output(false, ws, x);
            }
        }, warmup, iters));
        row("SKConv " + key + " inference forward" + path, inf, torch.get("skconv " + key + " inference"), SPEC.get(key)[0]);
        g.setInputs(x);
        g.setLabels(labels.reshape(s[0], (long) s[1] * s[2] * s[2]));
        double train = median(time(g::computeGradientAndScore, warmup, iters));
        row("SKConv " + key + " training fwd+bwd" + path, train, torch.get("skconv " + key + " training"), SPEC.get(key)[1]);
        perPixel.setInputs(x);
        perPixel.setLabels(labels);
        System.out.printf(Locale.ROOT, "    the same with DL4J's CnnLossLayer (per-pixel MSE; permutes to NHWC and back): %.1f ms%n",
                median(time(perPixel::computeGradientAndScore, warmup, iters)));
    }

    /** What follows the SKConv in a benchmark graph. */
    enum Loss {
        /** None: inference. */
        NONE,
        /** MSE over the flattened output, as the PyTorch side's {@code ((y - x) ** 2).mean()}: a free reshape. */
        FLAT,
        /** DL4J's CnnLossLayer, MSE per pixel: it permutes activations and gradients to NHWC and back. */
        PER_PIXEL
    }

    /** One SKConv, followed by the given loss. */
    static ComputationGraph skconvGraph(int channels, int size, Loss loss) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).updater(new Sgd(0.01)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(size, size, channels));
        String sk = SKConv.add(gb, "sk", SKConvConfig.builder(channels).build(), "in");
        switch (loss) {
            case FLAT -> {
                LossLayer flat = new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build();
                flat.setNOut((long) channels * size * size); // its builder refuses nOut; unset, DL4J warns of a zero size
                gb.addLayer("loss", flat, sk).setOutputs("loss"); // the input type adds the (free) reshape
            }
            case PER_PIXEL -> gb.addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                    .activation(Activation.IDENTITY).build(), sk).setOutputs("loss");
            case NONE -> gb.setOutputs(sk);
        }
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        return g;
    }

    private static void row(String name, double ms, Double torchMs, double specMs) {
        String t = torchMs == null ? "      -" : String.format(Locale.ROOT, "%8.1f", torchMs);
        String r = torchMs == null ? "    -" : String.format(Locale.ROOT, "%5.2fx", ms / torchMs);
        String sp = Double.isNaN(specMs) ? "-" : String.format(Locale.ROOT, "%.1f", specMs);
        System.out.printf(Locale.ROOT, "%-44s %10.1f   %14s   %6s   %s%n", name, ms, t, r, sp);
    }

    static double[] time(Runnable r, int warmup, int iters) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The flat {"name": ms} JSON written by skconv_pytorch.py. */
    static Map<String, Double> readPyTorch(String file) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        if (file == null) {
            return out;
        }
        JsonNode root = new ObjectMapper().readTree(Files.readString(Path.of(file)));
        root.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                out.put(e.getKey(), e.getValue().asDouble());
            }
        });
        return out;
    }

    /** Every argument is a known option (each at most once), every valued option has its value. */
    static void checkArgs(String[] args) {
        List<String> valued = List.of("--iters", "--warmup", "--pytorch");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!valued.contains(a) && !a.equals("--samediff")) {
                throw new IllegalArgumentException("unknown option '" + a
                        + "' (options: --iters N --warmup N --pytorch FILE --samediff)");
            }
            if (seen.contains(a)) {
                throw new IllegalArgumentException(a + " given twice");
            }
            seen.add(a);
            if (valued.contains(a)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                i++;
            }
        }
    }

    private static int intArg(String[] args, String name, int dflt, int min) {
        String v = strArg(args, name, null);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    private static String strArg(String[] args, String name, String dflt) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        int i = a.indexOf(name);
        return i >= 0 && i + 1 < a.size() ? a.get(i + 1) : dflt;
    }
}
