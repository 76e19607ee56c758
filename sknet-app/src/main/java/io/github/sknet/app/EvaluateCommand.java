package io.github.sknet.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;

import io.github.sknet.models.data.ImageFolder;
import io.github.sknet.models.data.ImageFolderIterator;
import io.github.sknet.models.data.ImagePreprocessing;
import io.github.sknet.models.io.SKNetModelFile;
import io.github.sknet.models.torch.ImageNetClasses;
import io.github.sknet.models.train.Trainer;

/**
 * {@code sknet evaluate}: top-1, top-5, loss, per-class table and confusion matrix of a model on an image
 * folder, every image prepared as the model records ({@link ImagePreprocessing}).
 */
final class EvaluateCommand {
    static final String HELP = String.join("\n",
            "usage: sknet evaluate --model M.zip --data DIR [--batch B] [--size S] [--no-fold-bn]",
            "  --model M.zip   a model written by sknet train or sknet import-torch",
            "  --data DIR      image folder, one sub-folder per class (the class names the model was trained on;",
            "                  for a model with the ImageNet-1k names, ImageNet's synset folders n01440764/... too)",
            "  --size S        prepare the images at S x S instead of the model's recorded size (the network is",
            "                  fully convolutional; S must be at least its total stride, e.g. 32)",
            FoldBn.INFERENCE_HELP);

    /** Larger confusion matrices (ImageNet's 1000 x 1000) are not printed. */
    static final int MAX_CONFUSION_CLASSES = 50;

    private EvaluateCommand() {
    }

    static int run(String[] argv) {
        Args a = new Args("evaluate", argv, Set.of("--model", "--data", "--batch", "--size"), Set.of("--verbose", FoldBn.FLAG, FoldBn.UNFOLDED));
        Path modelFile = a.path("--model");
        boolean fold = FoldBn.wanted("evaluate", a);
        Path data = a.path("--data");
        int batch = a.integer("--batch", 64, 1);
        CommandWarmUp warmUp = CommandWarmUp.start("evaluate", fold);
        ComputationGraph loaded = ModelFiles.load(modelFile, false);
        SKNetModelFile.Meta meta = ModelFiles.meta(modelFile, loaded);
        ImagePreprocessing prep = PredictCommand.preparation("evaluate", a, modelFile, meta);
        ImageFolder folder;
        try {
            folder = ImageFolder.all(data);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("evaluate: " + e.getMessage());
        }
        folder.warnings().forEach(w -> System.err.println("sknet evaluate: warning: " + w));
        List<String> folderClasses = modelNames(folder.classes(), meta.classes());
        if (!new HashSet<>(folderClasses).equals(new HashSet<>(meta.classes()))) {
            throw CliException.usage("evaluate: the folder's classes differ from the model's: " + difference(folderClasses,
                    meta.classes()));
        }
        // labels in the model's class order
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < meta.classes().size(); i++) {
            index.putIfAbsent(meta.classes().get(i), i);
        }
        List<ImageFolder.Sample> samples = new ArrayList<>();
        for (ImageFolder.Sample s : folder.train()) {
            samples.add(new ImageFolder.Sample(s.file(), index.get(folderClasses.get(s.label()))));
        }
        ComputationGraph g = FoldBn.forInference(loaded, fold);
        warmUp.finish();
        Trainer.Evaluated r;
        try {
            r = Trainer.evaluate(g, ImageFolderIterator.forEvaluation(samples, meta.classes(), batch, prep));
        } catch (IllegalArgumentException e) {
            throw CliException.failure("evaluate: " + e.getMessage(), e);
        }
        Evaluation ev = r.evaluation();
        System.out.printf("model %s (%s), %d images in %d classes, at %dx%d%n", modelFile, meta.arch(), samples.size(),
                folder.classes().size(), prep.size(), prep.size());
        System.out.printf("%-20s %9s %9s %9s %7s%n", "class", "precision", "recall", "f1", "images");
        for (int c = 0; c < meta.classes().size(); c++) {
            int count = ev.getConfusionMatrix().getActualTotal(c);
            System.out.printf(Locale.ROOT, "%-20s %9.4f %9.4f %9.4f %7d%n", meta.classes().get(c), ev.precision(c),
                    ev.recall(c), ev.f1(c), count);
        }
        if (meta.classes().size() <= MAX_CONFUSION_CLASSES) {
            System.out.println(ev.confusionMatrix());
        } else {
            System.out.printf("(confusion matrix not printed for %d classes; at most %d)%n", meta.classes().size(),
                    MAX_CONFUSION_CLASSES);
        }
        System.out.printf(Locale.ROOT, "top-5 accuracy: %.4f%nloss: %.4f%naccuracy: %.4f%n", r.top5(), r.loss(), r.top1());
        return 0;
    }

    /**
     * The folder's class names as the model names them: an ImageNet folder's synset ids ("n01440764", the
     * layout of ImageNet's train/ and val/) become the model's ImageNet-1k names when the model has them.
     */
    static List<String> modelNames(List<String> folderClasses, List<String> modelClasses) {
        List<String> synsets = ImageNetClasses.synsets();
        if (!modelClasses.equals(ImageNetClasses.names()) || !synsets.containsAll(folderClasses)) {
            return folderClasses;
        }
        List<String> out = new ArrayList<>();
        for (String c : folderClasses) {
            out.add(modelClasses.get(synsets.indexOf(c)));
        }
        return out;
    }

    /** What one class list has and the other lacks, at most 5 names of each. */
    private static String difference(List<String> folder, List<String> model) {
        List<String> extra = folder.stream().filter(c -> !model.contains(c)).toList();
        List<String> missing = model.stream().filter(c -> !folder.contains(c)).toList();
        return (extra.isEmpty() ? "" : extra.size() + " not in the model " + first5(extra) + (missing.isEmpty() ? "" : "; "))
                + (missing.isEmpty() ? "" : missing.size() + " of the model's " + model.size() + " missing from the folder "
                + first5(missing));
    }

    private static String first5(List<String> names) {
        return names.size() <= 5 ? names.toString()
                : names.subList(0, 5).toString().replace("]", ", ...]");
    }
}
