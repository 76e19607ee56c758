package io.github.sknet.models.cli;

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
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.torch.PyTorchWeights;

/**
 * {@code sknet import-torch}: a PyTorch state_dict (.npz, .safetensors or .pth; the reference SKNet's or
 * timm's) into a DL4J model zip.
 */
final class ImportTorchCommand {
    static final String HELP = String.join("\n",
            "usage: sknet import-torch --arch A --weights STATE --out M.zip [--num-classes K] [--format F] [--size S]",
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
            "  --size S         input size recorded in the model for predict/evaluate (default 224)");

    private ImportTorchCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("import-torch", argv, Set.of("--arch", "--num-classes", "--weights", "--out", "--size",
                "--format"), Set.of("--verbose"));
        SKNetVariant v = TrainCommand.variant(a.required("--arch"));
        int classes = a.integer("--num-classes", -1, 1);
        Path weights = a.path("--weights");
        Path out = a.path("--out");
        int size = a.integer("--size", v.defaultSize(), 16);
        String format = a.string("--format", "auto");
        Map<String, INDArray> sd;
        PyTorchWeights.Naming naming;
        try {
            sd = PyTorchWeights.stripModulePrefix(PyTorchWeights.read(weights));
            naming = format.equals("auto") ? PyTorchWeights.detectNaming(sd) : PyTorchWeights.Naming.byId(format);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw CliException.usage("import-torch: " + e.getMessage());
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
        ComputationGraph g = SKNet.builder(v).numClasses(classes).inputShape(3, size, size).build().init();
        int used;
        try {
            used = PyTorchWeights.load(g, sd, naming).size();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("import-torch: " + weights + ": " + e.getMessage());
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add(String.valueOf(i));
        }
        ModelFiles.save(g, new SKNetModelFile.Meta(v.id(), size, names, 0), out, false);
        System.out.printf("imported %d tensors from %s into %s (%,d parameters); wrote %s%n", used, weights, v.id(),
                g.numParams(), out);
        return 0;
    }
}
