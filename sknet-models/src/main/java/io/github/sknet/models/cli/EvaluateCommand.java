package io.github.sknet.models.cli;

import java.nio.file.Path;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;

import io.github.sknet.models.io.SKNetModelFile;

/** {@code sknet evaluate}: accuracy, per-class table and confusion matrix of a model on an image folder. */
final class EvaluateCommand {
    static final String HELP = String.join("\n",
            "usage: sknet evaluate --model M.zip --data DIR [--batch B] [--fold-bn]",
            "  --model M.zip   a model written by sknet train or sknet import-torch",
            "  --data DIR      image folder, one sub-folder per class (the class names the model was trained on)",
            FoldBn.HELP);

    private EvaluateCommand() {
    }

    static int run(String[] argv) {
        Args a = new Args("evaluate", argv, Set.of("--model", "--data", "--batch"), Set.of("--verbose", FoldBn.FLAG));
        Path modelFile = a.path("--model");
        Path data = a.path("--data");
        int batch = a.integer("--batch", 64, 1);
        ComputationGraph loaded = ModelFiles.load(modelFile, false);
        SKNetModelFile.Meta meta = ModelFiles.meta(modelFile, loaded);
        if (meta.size() < 1) {
            throw CliException.usage("evaluate: " + modelFile + " has no sknet metadata (input size unknown)");
        }
        ImageFolderData d = ImageFolderData.all(data, meta.size(), batch);
        if (!new java.util.HashSet<>(d.classes).equals(new java.util.HashSet<>(meta.classes()))) {
            throw CliException.usage("evaluate: the folder's classes " + d.classes + " differ from the model's "
                    + meta.classes());
        }
        d.useClassOrder(meta.classes());
        ComputationGraph g = FoldBn.apply(loaded, a.flag(FoldBn.FLAG));
        Evaluation ev = new Evaluation(meta.classes(), 1);
        g.doEvaluation(d.iterator, ev);
        System.out.printf("model %s (%s), %d images in %d classes%n", modelFile, meta.arch(), d.images, d.classes.size());
        System.out.printf("%-20s %9s %9s %9s %7s%n", "class", "precision", "recall", "f1", "images");
        for (int c = 0; c < meta.classes().size(); c++) {
            int count = ev.getConfusionMatrix().getActualTotal(c);
            System.out.printf(java.util.Locale.ROOT, "%-20s %9.4f %9.4f %9.4f %7d%n", meta.classes().get(c),
                    ev.precision(c), ev.recall(c), ev.f1(c), count);
        }
        System.out.println(ev.confusionMatrix());
        System.out.printf(java.util.Locale.ROOT, "accuracy: %.4f%n", ev.accuracy());
        return 0;
    }
}
