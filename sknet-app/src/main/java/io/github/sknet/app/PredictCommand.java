package io.github.sknet.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.io.Npy;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.torch.NpyFormat;
import io.github.sknet.models.torch.TensorDType;

/**
 * {@code sknet predict}: raw logits in inference mode for a float32 .npy batch [N, 3, H, W] (written as
 * float32 [N, classes]), or the top-5 classes of an image file or every image in a folder, each image
 * prepared as the model records (resize, centre crop, normalisation: {@link ImagePreprocessing}).
 */
final class PredictCommand {
    static final String HELP = String.join("\n",
            "usage: sknet predict --model M.zip --input X.npy --output Y.npy [--batch B] [--no-fold-bn] [--allow-non-finite]",
            "       sknet predict --model M.zip --input IMAGE_OR_FOLDER [--batch B] [--size S] [--no-fold-bn]",
            "  --input X.npy    float32 [N, 3, H, W], any H, W the network takes (not only the size it",
            "                   was trained at); --output gets float32 [N, classes] raw logits",
            "  --input IMAGE    an image file, or a folder of images: prints the top-5 classes of each,",
            "                   every image prepared as the model records (resize, centre crop, mean/std)",
            "  --size S         prepare images at S x S instead of the model's recorded size (the network",
            "                   is fully convolutional; S must be at least its total stride, e.g. 32)",
            "  --batch B        images per forward pass (default 32)",
            "  --allow-non-finite",
            "                   run an .npy input that holds NaN or Inf values (refused by default)",
            "  an .npy of another float type (float16/64, either byte order, C or Fortran order) is converted to",
            "  float32; integer and bool arrays (e.g. raw uint8 pixels) are refused: scale them first",
            FoldBn.INFERENCE_HELP);

    private PredictCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("predict", argv, Set.of("--model", "--input", "--output", "--batch", "--size"),
                Set.of("--verbose", FoldBn.FLAG, FoldBn.UNFOLDED, ALLOW_NON_FINITE));
        Path modelFile = a.path("--model");
        boolean fold = FoldBn.wanted("predict", a);
        Path input = a.path("--input");
        if (!Files.exists(input)) {
            throw CliException.usage("predict: input not found: " + input);
        }
        int batch = a.integer("--batch", 32, 1);
        boolean npy = input.toString().endsWith(".npy");
        INDArray x = null;
        if (npy) {
            if (!a.has("--output")) {
                throw CliException.usage("predict: --output Y.npy is required with an .npy input");
            }
            if (a.has("--size")) {
                throw CliException.usage("predict: --size applies to image inputs; an .npy is the network's input "
                        + "as given (its H and W are used)");
            }
            // everything about the input and the output is checked before the model is loaded
            Outputs.checkFile("predict", "--output", a.path("--output"), input, modelFile);
            x = readBatch(input, a.flag(ALLOW_NON_FINITE));
        }
        CommandWarmUp warmUp = CommandWarmUp.start("predict", fold);
        ComputationGraph loaded = ModelFiles.load(modelFile, false);
        if (!npy && a.has("--output")) {
            throw CliException.usage("predict: --output applies to an .npy input; image inputs print their top-5");
        }
        if (!npy && a.flag(ALLOW_NON_FINITE)) {
            throw CliException.usage("predict: " + ALLOW_NON_FINITE + " applies to an .npy input");
        }
        SKNetModelFile.Meta meta = ModelFiles.meta(modelFile, loaded);
        ComputationGraph g = FoldBn.forInference(loaded, fold);
        if (npy) {
            checkSize("predict", meta, x.size(2), x.size(3));
            warmUp.finish();
            Npy.write(a.path("--output"), logits(g, x, batch));
            System.out.printf("wrote %s: float32 [%d, %d] logits%n", a.path("--output"), x.size(0), meta.classes().size());
            return 0;
        }
        ImagePreprocessing prep = preparation("predict", a, modelFile, meta);
        List<Path> images = images(input);
        int side = prep.size(), per = 3 * side * side;
        // images go through the network in batches: one image per pass paid the per-pass cost 32 times
        for (int from = 0; from < images.size(); from += batch) {
            List<Path> chunk = images.subList(from, Math.min(images.size(), from + batch));
            float[] px = new float[chunk.size() * per];
            for (int i = 0; i < chunk.size(); i++) {
                try {
                    prep.toChw(prep.evalView(ImagePreprocessing.decode(chunk.get(i))), px, i * per);
                } catch (RuntimeException e) {
                    throw CliException.failure("predict: " + e.getMessage(), e);
                }
            }
            warmUp.finish();
            INDArray l = logits(g, Nd4j.create(px, new long[] {chunk.size(), 3, side, side}, DataType.FLOAT), batch);
            INDArray prob = org.nd4j.linalg.ops.transforms.Transforms.softmax(l, true);
            for (int i = 0; i < chunk.size(); i++) {
                // ranked by logit: probabilities that underflow to 0 would tie and fall back to class order
                int[] order = argsortDescending(l.getRow(i).toDoubleVector());
                StringBuilder sb = new StringBuilder(chunk.get(i).toString()).append(':');
                for (int k = 0; k < Math.min(5, order.length); k++) {
                    sb.append(String.format(Locale.ROOT, "  %s %.3f", meta.classes().get(order[k]),
                            prob.getDouble(i, order[k])));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }

    static final String ALLOW_NON_FINITE = "--allow-non-finite";

    /**
     * The .npy batch as float32 [N, 3, H, W]: its header (dtype, shape) checked before the data is read,
     * float16/32/64 in either byte order and C or Fortran order converted (float64 rounded to float32),
     * integer and bool arrays refused (raw uint8 pixels would be used unscaled), a truncated or damaged
     * file refused, an empty batch refused, and NaN/Inf values refused unless {@code allowNonFinite}.
     * Every error is one line naming the file.
     */
    static INDArray readBatch(Path input, boolean allowNonFinite) throws IOException {
        byte[] bytes = Files.readAllBytes(input);
        NpyFormat.Header h;
        try {
            h = NpyFormat.header(bytes);
        } catch (IllegalArgumentException e) {
            throw CliException.failure("predict: cannot read " + input + " as a numpy .npy array: " + e.getMessage(), e);
        }
        TensorDType type;
        try {
            type = h.dtype();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("predict: " + input + ": " + e.getMessage() + "; predict takes float32 [N, 3, H, W]");
        }
        if (!type.floating()) {
            throw CliException.usage("predict: " + input + " holds " + h.descr() + " (" + type.name().toLowerCase(Locale.ROOT)
                    + ") values; predict takes float32 [N, 3, H, W] prepared as the model expects (e.g. uint8 pixels "
                    + "divided by 255 and normalised), saved with x.astype(numpy.float32)");
        }
        long[] shape = h.shape();
        if (shape.length != 4 || shape[1] != 3) {
            throw CliException.usage("predict: " + input + " must be float32 [N, 3, H, W], got shape " + Arrays.toString(shape));
        }
        if (shape[0] == 0 || shape[2] == 0 || shape[3] == 0) {
            throw CliException.usage("predict: " + input + " holds no images (shape " + Arrays.toString(shape) + ")");
        }
        INDArray x;
        try {
            x = NpyFormat.parse(bytes).castTo(DataType.FLOAT);
        } catch (IllegalArgumentException e) {
            throw CliException.failure("predict: cannot read " + input + " as a numpy .npy array: " + e.getMessage(), e);
        }
        if (!allowNonFinite) {
            float[] v = x.data().asFloat();
            long bad = 0;
            long first = -1;
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    bad++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            if (bad > 0) {
                long per = shape[1] * shape[2] * shape[3];
                throw CliException.usage("predict: " + input + " has " + bad + " non-finite value" + (bad == 1 ? "" : "s")
                        + " (NaN or Inf), the first in image " + first / per + (h.descr().endsWith("f8")
                        ? " (float64 values beyond float32's range count too)" : "") + "; " + ALLOW_NON_FINITE
                        + " runs them anyway");
            }
        }
        return x;
    }

    /**
     * Any input size works as far as the network goes (convolutions, BatchNorm and the SK vertices take
     * their sizes from the input; the global average pool makes the classifier's input [N, C] at every
     * size), down to the smallest size the architecture's builder accepts: its total stride (32 for the
     * ImageNet stem's networks). DL4J would compute smaller inputs too (down to 1x1), but there the last
     * stride-2 stages get a 1x1 map they cannot reduce; below the builder's size is a one-line usage error
     * naming it, so that every size accepted here is one a network can also be built for. Models of unknown
     * architecture are not checked.
     */
    /**
     * How {@code command} prepares image files for the model: its recorded preparation, at {@code --size}
     * if given (the only source of the size for a zip without sknet metadata), checked against the
     * architecture's smallest input.
     */
    static ImagePreprocessing preparation(String command, Args a, Path modelFile, SKNetModelFile.Meta meta) {
        ImagePreprocessing prep = meta.preprocessing();
        if (prep == null && !a.has("--size")) {
            throw CliException.usage(command + ": " + modelFile + " has no sknet metadata (input size unknown); give --size");
        }
        if (a.has("--size")) {
            int s = a.integer("--size", 0, 1);
            prep = prep == null ? ImagePreprocessing.plain(s) : prep.withSize(s);
        }
        checkSize(command, meta, prep.size(), prep.size());
        return prep;
    }

    static void checkSize(String command, SKNetModelFile.Meta meta, long h, long w) {
        SKNetVariant v;
        try {
            v = SKNetVariant.byId(meta.arch());
        } catch (IllegalArgumentException e) {
            return;
        }
        if (h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw CliException.usage(command + ": input " + h + "x" + w + " is too large");
        }
        try {
            SKNet.builder(v).numClasses(1).inputShape(3, (int) h, (int) w).conf();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(command + ": " + e.getMessage());
        }
    }

    /** Raw logits in inference mode, computed in mini-batches. */
    static INDArray logits(ComputationGraph g, INDArray x, int batch) {
        List<INDArray> parts = new ArrayList<>();
        for (long i = 0; i < x.size(0); i += batch) {
            INDArray xb = x.get(NDArrayIndex.interval(i, Math.min(x.size(0), i + batch)), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.all()).dup();
            // only the logits vertex's activations are kept (feedForward kept every vertex's)
            parts.add(g.output(List.of(SKNet.LOGITS), false, new INDArray[] {xb}, null)[0]);
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    private static List<Path> images(Path input) throws IOException {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        try (Stream<Path> s = Files.walk(input)) {
            List<Path> out = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted()
                    .collect(Collectors.toList());
            if (out.isEmpty()) {
                throw CliException.usage("predict: no images in " + input);
            }
            return out;
        }
    }

    private static int[] argsortDescending(double[] v) {
        return java.util.stream.IntStream.range(0, v.length).boxed().sorted((i, j) -> Double.compare(v[j], v[i]))
                .mapToInt(Integer::intValue).toArray();
    }

}
