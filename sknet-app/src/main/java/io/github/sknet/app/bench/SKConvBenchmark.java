package io.github.sknet.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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

import io.github.sknet.app.Args;
import io.github.sknet.app.CliException;
import io.github.sknet.layer.conv.ConvGeometry;
import io.github.sknet.layer.conv.GroupedConvHelper;
import io.github.sknet.layer.graph.InferenceWeights;
import io.github.sknet.layer.graph.WorkspaceLearning;
import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;
import io.github.sknet.layer.sk.SKConv;
import io.github.sknet.layer.sk.SKConvConfig;

/**
 * SKConv and grouped-convolution timings (median ms over timed iterations after warm-up), float32,
 * next to docs/reference.md's PyTorch 1.13 figures and, with {@code --pytorch FILE}, PyTorch measured in the
 * same run by tools/bench/skconv_pytorch.py.
 *
 * <pre>sknet bench-skconv [--iters 10] [--warmup 20] [--pytorch results.json] [--samediff] [--shapes 8x128x56,8x256x28]</pre>
 *
 * {@code --samediff} also times every SKConv workload on the SameDiff path (helpers off, the
 * definitions with autodiff), next to the helpers' figures; {@code --shapes} times other N x C x H=W
 * shapes than the two of docs/reference.md.
 */
public final class SKConvBenchmark {
    /** docs/reference.md, PyTorch 1.13 on a 2-core machine: inference and training ms. */
    private static final Map<String, double[]> SPEC = Map.of(
            "N=8 C=128 56x56", new double[] {24, 126},
            "N=8 C=256 28x28", new double[] {9.8, 33});

    public static final String HELP = String.join("\n",
            "usage: sknet bench-skconv [--iters N] [--warmup N] [--pytorch torch.json] [--samediff] [--shapes S]",
            "  --iters N      timed iterations per workload (default 10; the median is reported)",
            "  --warmup N     untimed iterations first (default 20)",
            "  --pytorch F    PyTorch figures measured by tools/bench/skconv_pytorch.py, shown beside ours",
            "  --samediff     also time every SKConv workload on the SameDiff path (definitions, autodiff backward)",
            "  --shapes S     workloads N x C x H=W, comma-separated (default 8x128x56,8x256x28)");
    private static final String DEFAULT_SHAPES = "8x128x56,8x256x28";

    private SKConvBenchmark() {
    }

    public static int run(String[] argv) throws IOException {
        Args a = new Args("bench-skconv", argv, Set.of("--iters", "--warmup", "--pytorch", "--shapes"),
                Set.of("--samediff", "--verbose"));
        int iters = a.integer("--iters", 10, 1);
        int warmup = a.integer("--warmup", 20, 0);
        int[][] shapes = shapes(a.string("--shapes", DEFAULT_SHAPES));
        if (a.has("--pytorch") && !Files.isRegularFile(a.path("--pytorch"))) {
            throw CliException.usage("bench-skconv: --pytorch file not found: " + a.path("--pytorch"));
        }
        Map<String, Double> torch = readPyTorch(a.has("--pytorch") ? a.path("--pytorch") : null);
        boolean[] paths = a.flag("--samediff") ? new boolean[] {true, false} : new boolean[] {true};
        System.out.printf(Locale.ROOT, "ND4J %s backend, %d threads available, oneDNN grouped conv %s%n",
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                Runtime.getRuntime().availableProcessors(),
                OneDnn.isAvailable() ? "loaded" : "NOT loaded (" + OneDnn.loadError() + ")");
        System.out.println("workload                                   sknet-dl4j ms   PyTorch(run) ms   ratio   PyTorch(SPEC) ms");
        for (int[] s : shapes) {
            String key = "N=" + s[0] + " C=" + s[1] + " " + s[2] + "x" + s[2];
            INDArray x = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[2]);
            INDArray labels = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[2]);
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
                double ms = Timings.median(Timings.time(() -> e.forward(geo, x, w, null, false, y), warmup, iters));
                String name = "grouped conv G=32 d=" + dil + " " + key + " fwd";
                row(name, ms, torch.get("conv " + key + " d=" + dil), Double.NaN);
                System.out.printf(Locale.ROOT, "    %s helper: %.1f effective GFLOP/s%n", e.name(),
                        2.0 * geo.multiplyAdds() / (ms * 1e6));
            }
        }
        return 0;
    }

    /** "8x128x56,8x256x28" as {N, C, H=W} rows; C a multiple of the grouped convolution's 32 groups. */
    private static int[][] shapes(String spec) {
        String[] parts = spec.split(",");
        int[][] out = new int[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            String[] d = parts[i].trim().split("x");
            try {
                if (d.length != 3) {
                    throw new NumberFormatException();
                }
                out[i] = new int[] {Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2])};
            } catch (NumberFormatException e) {
                throw CliException.usage("bench-skconv: --shapes takes NxCxS workloads, comma-separated, got '"
                        + parts[i] + "'");
            }
            if (out[i][0] < 1 || out[i][1] < 32 || out[i][1] % 32 != 0 || out[i][2] < 1) {
                throw CliException.usage("bench-skconv: --shapes: N and S must be >= 1 and C a multiple of 32, got '"
                        + parts[i] + "'");
            }
        }
        return out;
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
        double inf = Timings.median(Timings.time(() -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsc, "bench-output")) {
                inference.output(false, ws, x);
            }
        }, warmup, iters));
        row("SKConv " + key + " inference forward" + path, inf, torch.get("skconv " + key + " inference"), spec(key, 0));
        g.setInputs(x);
        g.setLabels(labels.reshape(s[0], (long) s[1] * s[2] * s[2]));
        double train = Timings.median(Timings.time(g::computeGradientAndScore, warmup, iters));
        row("SKConv " + key + " training fwd+bwd" + path, train, torch.get("skconv " + key + " training"), spec(key, 1));
        perPixel.setInputs(x);
        perPixel.setLabels(labels);
        System.out.printf(Locale.ROOT, "    the same with DL4J's CnnLossLayer (per-pixel MSE; permutes to NHWC and back): %.1f ms%n",
                Timings.median(Timings.time(perPixel::computeGradientAndScore, warmup, iters)));
    }

    /** docs/reference.md's figure for a workload (0 inference, 1 training), NaN for a shape it has none of. */
    private static double spec(String key, int column) {
        double[] ms = SPEC.get(key);
        return ms == null ? Double.NaN : ms[column];
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
        // set up as predict and train set up theirs: workspaces sized after one pass; for inference, the
        // convolutions' converted weights and the BatchNorms' scale and shift kept between passes
        WorkspaceLearning.settleAfterOnePass(g);
        return loss == Loss.NONE ? InferenceWeights.keep(g) : g;
    }

    private static void row(String name, double ms, Double torchMs, double specMs) {
        String t = torchMs == null ? "      -" : String.format(Locale.ROOT, "%8.1f", torchMs);
        String r = torchMs == null ? "    -" : String.format(Locale.ROOT, "%5.2fx", ms / torchMs);
        String sp = Double.isNaN(specMs) ? "-" : String.format(Locale.ROOT, "%.1f", specMs);
        System.out.printf(Locale.ROOT, "%-44s %10.1f   %14s   %6s   %s%n", name, ms, t, r, sp);
    }

    /** The flat {"name": ms} JSON written by skconv_pytorch.py. */
    static Map<String, Double> readPyTorch(Path file) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        if (file == null) {
            return out;
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        root.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                out.put(e.getKey(), e.getValue().asDouble());
            }
        });
        return out;
    }
}
