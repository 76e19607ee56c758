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

/** {@code sknet import-torch}: a reference PyTorch state_dict (.npz) into a DL4J model zip. */
final class ImportTorchCommand {
    static final String HELP = String.join("\n",
            "usage: sknet import-torch --arch {sknet26|sknet50|sknet101} --num-classes K --weights STATE.npz --out M.zip",
            "                          [--size S]",
            "  STATE.npz   numpy.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()})",
            "  --size S    input size recorded in the model for predict/evaluate (default 224)");

    private ImportTorchCommand() {
    }

    static int run(String[] argv) throws IOException {
        Args a = new Args("import-torch", argv, Set.of("--arch", "--num-classes", "--weights", "--out", "--size"),
                Set.of("--verbose"));
        SKNetVariant v = TrainCommand.variant(a.required("--arch"));
        int classes = a.integer("--num-classes", -1, 1);
        if (classes < 1) {
            throw CliException.usage("import-torch: --num-classes is required");
        }
        Path weights = a.path("--weights");
        Path out = a.path("--out");
        int size = a.integer("--size", v.defaultSize(), 16);
        Map<String, INDArray> sd;
        try {
            sd = PyTorchWeights.readNpz(weights);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("import-torch: " + e.getMessage());
        }
        ComputationGraph g = SKNet.builder(v).numClasses(classes).inputShape(3, size, size).build().init();
        int used;
        try {
            used = PyTorchWeights.load(g, sd).size();
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
