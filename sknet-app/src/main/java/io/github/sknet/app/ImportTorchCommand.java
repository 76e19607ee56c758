package io.github.sknet.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.torch.ImageNetClasses;
import io.github.sknet.models.torch.PyTorchWeights;

/**
 * {@code sknet import-torch}: a PyTorch state_dict (.npz, .safetensors or .pth; the reference SKNet's or
 * timm's) into a DL4J model zip.
 */
final class ImportTorchCommand {
    static final String HELP = String.join("\n",
            "usage: sknet import-torch --arch A --weights STATE --out M.zip [--num-classes K] [--format F] [--size S]",
            "                          [--imagenet-preprocessing]",
            "  --arch A         sknet26 | sknet50 | sknet101 (the reference PyTorch SKNet), or timm's",
            "                   skresnet18 | skresnet34 | skresnext50_32x4d",
            "  --weights STATE  a state_dict in any of these (recognised from the file's bytes):",
            "                   numpy.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()})",
            "                     (or numpy.savez_compressed; any float dtype, 0-d counters included)",
            "                   torch.save(model.state_dict(), path)              (.pth / .pt)",
            "                   safetensors (e.g. timm's model.safetensors from the Hugging Face hub)",
            "                   a 'module.' prefix (DataParallel) is stripped",
            "  --num-classes K  classes of the state_dict's classifier (default: read from it)",
            "  --format F       key names: auto (default, from the keys) | reference | timm",
            "  --size S         input size recorded in the model for predict/evaluate (default: the --arch's,",
            "                   224 for the ImageNet networks; predict/evaluate --size overrides it)",
            "  --imagenet-preprocessing",
            "                   record timm's ImageNet preparation for a reference SKNet too (timm imports always",
            "                   get it): shorter side to S/0.875 (bicubic), centre crop SxS, ImageNet mean/std;",
            "                   without it a reference SKNet's images are resized whole to SxS, values in [0, 1]",
            "  a 1000-class classifier with timm's preparation gets the ImageNet-1k class names (timm's order)");

    private ImportTorchCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("import-torch", argv, Set.of("--arch", "--num-classes", "--weights", "--out", "--size",
                "--format"), Set.of("--verbose", "--imagenet-preprocessing"));
        SKNetVariant v = TrainCommand.variant(a.required("--arch"));
        int classes = a.integer("--num-classes", -1, 1);
        Path weights = a.path("--weights");
        Path out = a.path("--out");
        int size = a.integer("--size", v.defaultSize(), 16);
        String format = a.string("--format", "auto");
        if (!java.util.List.of("auto", "reference", "timm").contains(format.toLowerCase(java.util.Locale.ROOT))) {
            throw CliException.usage("import-torch: --format must be auto, reference or timm, got '" + format + "'");
        }
        // checked before the weights are read: the size, the output path
        try {
            io.github.sknet.models.SKNet.builder(v).numClasses(1).inputShape(3, size, size).conf();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("import-torch: " + e.getMessage());
        }
        Outputs.checkFile("import-torch", "--out", out, weights);
        Map<String, INDArray> sd;
        PyTorchWeights.Naming naming;
        try {
            sd = PyTorchWeights.stripModulePrefix(PyTorchWeights.read(weights));
            naming = format.equalsIgnoreCase("auto") ? PyTorchWeights.detectNaming(sd) : PyTorchWeights.Naming.byId(format);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            String m = e.getMessage();
            // the readers' messages start with the file; detectNaming's and byId's do not
            throw CliException.usage("import-torch: " + (m != null && m.startsWith(weights.toString()) ? m
                    : weights + ": " + m));
        }
        if ((naming == PyTorchWeights.Naming.TIMM) != v.isTimm()) {
            throw CliException.usage("import-torch: " + weights + " has " + naming.name().toLowerCase()
                    + " key names, but --arch " + v.id() + (v.isTimm() ? " is a timm network" : " is not a timm network")
                    + "; use --arch " + (naming == PyTorchWeights.Naming.TIMM
                    ? "skresnet18 | skresnet34 | skresnext50_32x4d" : "sknet26 | sknet50 | sknet101"));
        }
        if (classes < 1) {
            INDArray fc = sd.get(naming == PyTorchWeights.Naming.TIMM ? "fc.weight" : "classifier.weight");
            if (fc == null || fc.rank() != 2) {
                throw CliException.usage("import-torch: --num-classes is required (" + weights
                        + " has no 2-d classifier weight to read it from)");
            }
            classes = (int) fc.size(0);
        }
        ComputationGraph g;
        try {
            g = SKNet.builder(v).numClasses(classes).inputShape(3, size, size).build().init();
        } catch (IllegalArgumentException e) { // e.g. a --size below the architecture's smallest
            throw CliException.usage("import-torch: " + e.getMessage());
        }
        int used;
        try {
            used = PyTorchWeights.load(g, sd, naming).size();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("import-torch: " + weights + ": " + e.getMessage());
        }
        boolean imagenet = v.isTimm() || a.flag("--imagenet-preprocessing");
        ImagePreprocessing prep = imagenet ? timmPreprocessing(size) : ImagePreprocessing.plain(size);
        List<String> names = classNames(classes, imagenet);
        ModelFiles.save(g, new SKNetModelFile.Meta(v.id(), size, names, 0, prep), out, false);
        System.out.printf("imported %d tensors from %s into %s (%,d parameters); wrote %s%n", used, weights, v.id(),
                g.numParams(), out);
        System.out.printf("images: %s; classes: %s%n", imagenet
                        ? "shorter side to " + (int) Math.floor(size / TIMM_CROP_PCT) + " (bicubic), centre crop " + size
                        + "x" + size + ", ImageNet mean/std" : "resized whole to " + size + "x" + size + ", values in [0, 1]",
                classes == ImageNetClasses.COUNT && imagenet ? "ImageNet-1k names" : "0.." + (classes - 1));
        return 0;
    }

    /** timm's crop_pct of its ImageNet models (timm.data.DEFAULT_CROP_PCT, the skresnet configs' value). */
    static final double TIMM_CROP_PCT = 0.875;

    /** timm's evaluation transform of the SK models at input size {@code size}. */
    static ImagePreprocessing timmPreprocessing(int size) {
        return new ImagePreprocessing(size, TIMM_CROP_PCT, ImagePreprocessing.IMAGENET_MEAN, ImagePreprocessing.IMAGENET_STD);
    }

    /** ImageNet-1k's names for a 1000-class ImageNet model, otherwise "0".."K-1". */
    static List<String> classNames(int classes, boolean imagenet) {
        if (imagenet && classes == ImageNetClasses.COUNT) {
            return ImageNetClasses.names();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add(String.valueOf(i));
        }
        return names;
    }
}
