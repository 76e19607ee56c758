"""Writes notebooks/*.zpln (Zeppelin 0.10 note JSON) from the paragraph sources below, so the notebooks
are reviewed as code and regenerated, never hand-edited JSON. `sknet-spark`'s NotebooksTest runs every
%spark paragraph headless, the way Zeppelin's Spark interpreter would (spark and sc predefined).

    python3 tools/notebooks/build_notebooks.py
"""
import hashlib
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks")
DATE = "2026-11-28 00:00:00.000"

SKCONV_QUICKSTART = [
    ("About", "%md\n## SKConv quick start\nAdd a Selective Kernel convolution to a DL4J `ComputationGraph` in one "
     "call, train it briefly on the built-in synthetic shapes, and read its attention: the softmax weights "
     "`[N, M, C]` that choose between the 3x3 and the dilated (5x5-like) branch for every channel."),
    ("Imports", """%spark
import io.github.sknet.layer.conv.GroupedConv2D
import io.github.sknet.layer.norm.BatchNorm
import io.github.sknet.layer.sk.{SKAttention, SKConv, SKConvConfig}
import io.github.sknet.models.data.SyntheticShapes
import org.deeplearning4j.nn.conf.NeuralNetConfiguration
import org.deeplearning4j.nn.conf.inputs.InputType
import org.deeplearning4j.nn.conf.layers.{GlobalPoolingLayer, OutputLayer, PoolingType}
import org.deeplearning4j.nn.graph.ComputationGraph
import org.deeplearning4j.nn.weights.WeightInit
import org.nd4j.linalg.activations.Activation
import org.nd4j.linalg.learning.config.Adam
import org.nd4j.linalg.lossfunctions.LossFunctions
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator
import org.nd4j.evaluation.classification.Evaluation
import scala.collection.JavaConverters._"""),
    ("A graph with one SKConv", """%spark
val gb = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(3e-3)).weightInit(WeightInit.RELU)
  .graphBuilder().addInputs("image").setInputTypes(InputType.convolutional(32, 32, 3))
  .addLayer("stem", new GroupedConv2D.Builder().nOut(16).kernelSize(3).padding(1).build(), "image")
  .addLayer("stem_bn", new BatchNorm.Builder().activation(Activation.RELU).build(), "stem")
val sk = SKConv.add(gb, "sk", SKConvConfig.builder(16).groups(4).minWidth(8).build(), "stem_bn")
gb.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), sk)
  .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
    .activation(Activation.SOFTMAX).build(), "pool")
  .setOutputs("out")
val net = new ComputationGraph(gb.build())
net.init()
println(net.summary())"""),
    ("Train briefly", """%spark
val shapes = new SyntheticShapes(32, 42)
val train = shapes.iterator(600, 50)
val test = new SyntheticShapes(32, 43).sample(200)
val rows = (1 to 3).map { epoch =>
  train.reset()
  net.fit(train)
  val acc = net.evaluate[Evaluation](new ListDataSetIterator(test.asList(), 100)).accuracy()
  f"$epoch\\t${net.score()}%.4f\\t$acc%.3f"
}
println("%table epoch\\tloss\\theld-out accuracy\\n" + rows.mkString("\\n"))"""),
    ("Read the attention", """%spark
val attention = SKAttention.read(net, "sk", test.getFeatures)   // [N, M=2, C=16]
val labels = test.getLabels.argMax(1).toIntVector
val names = shapes.classNames.asScala
val table = names.zipWithIndex.map { case (name, c) =>
  val idx = labels.indices.filter(i => labels(i) == c)
  val b0 = idx.map(i => attention.slice(i).getRow(0).meanNumber.doubleValue).sum / idx.size
  f"$name\\t$b0%.3f\\t${1 - b0}%.3f"
}
println("%table class\\tattention on 3x3\\tattention on dilated 3x3 (5x5)\\n" + table.mkString("\\n"))"""),
]

SKNET_SYNTHETIC = [
    ("About", "%md\n## SKNet on the built-in synthetic data\nTrain the small-image SKNet (`sknet_small`) on shapes "
     "drawn at widely varying scales, plot the loss, show the confusion matrix, and redo the paper's Fig. 3: "
     "how attention moves to the larger kernel when objects get bigger."),
    ("Imports", """%spark
import io.github.sknet.layer.sk.SKAttention
import io.github.sknet.models.{SKNet, SKNetVariant}
import io.github.sknet.models.data.SyntheticShapes
import io.github.sknet.app.report.{AttentionPlot, TrainingPlot}
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator
import org.deeplearning4j.nn.graph.ComputationGraph
import org.nd4j.evaluation.classification.Evaluation
import org.nd4j.linalg.learning.config.Adam
import org.nd4j.linalg.indexing.NDArrayIndex
import java.nio.file.Files
import java.util.Base64
import scala.collection.JavaConverters._
def png(path: java.nio.file.Path): String =
  "<img src=\\"data:image/png;base64," + Base64.getEncoder.encodeToString(Files.readAllBytes(path)) + "\\"/>\""""),
    ("Build and train", """%spark
val shapes = new SyntheticShapes(32, 42)
val net = new ComputationGraph(SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(shapes.numClasses)
  .inputShape(3, 32, 32).updater(new Adam(2e-3)).build().conf())
net.init()
val train = shapes.iterator(800, 50)
val test = new SyntheticShapes(32, 43).sample(200)
val testIt = new ListDataSetIterator(test.asList(), 100)
val losses = new java.util.ArrayList[java.lang.Double]()
val accuracies = new java.util.ArrayList[java.lang.Double]()
for (epoch <- 1 to 3) {
  train.reset(); net.fit(train)
  testIt.reset()
  losses.add(net.score()); accuracies.add(net.evaluate[Evaluation](testIt).accuracy())
}
println(s"held-out accuracy after 3 epochs: ${accuracies.get(2)}")"""),
    ("Loss and accuracy", """%spark
val plot = Files.createTempFile("sknet-training", ".png")
TrainingPlot.write(plot, losses, accuracies, "sknet_small on synthetic shapes")
println("%html " + png(plot))"""),
    ("Confusion matrix", """%spark
testIt.reset()
val ev = net.evaluate[Evaluation](testIt, shapes.classNames)
val cm = ev.getConfusionMatrix
val names = shapes.classNames.asScala
val rows = names.indices.map(a => names(a) + "\\t" + names.indices.map(p => cm.getCount(a, p)).mkString("\\t"))
println("%table actual \\\\ predicted\\t" + names.mkString("\\t") + "\\n" + rows.mkString("\\n"))"""),
    ("Attention vs object scale", """%spark
val scales = Array(1.0, 1.5, 2.0)
val perScale = scales.map { s =>
  SKAttention.readAll(net, new SyntheticShapes(32, 7).sampleAtScale(200, 0.3 * s).getFeatures).asScala.map {
    case (name, w) => name -> (w.get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()).meanNumber.doubleValue
      - w.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).meanNumber.doubleValue)
  }
}
val units = perScale(0).keys.toList
val values = units.map(u => scales.indices.map(i => perScale(i)(u)).toArray).asJava
val attPlot = Files.createTempFile("sknet-attention", ".png")
AttentionPlot.write(attPlot, units.asJava, scales, values, "attention on the larger kernel minus the smaller")
println("%html " + png(attPlot))"""),
]

SPARK_TRAINING = [
    ("About", "%md\n## Training SKNet on Spark\nDL4J's own Spark integration (`SparkComputationGraph` with "
     "parameter averaging) trains an SKNet across the executors of the notebook's SparkContext `sc`."),
    ("Imports", """%spark
import io.github.sknet.models.SKNetVariant
import io.github.sknet.spark.{SparkData, SparkSKNetTrainer}
import org.apache.spark.api.java.JavaSparkContext
import org.nd4j.linalg.learning.config.Adam
import scala.collection.JavaConverters._
val jsc = JavaSparkContext.fromSparkContext(sc)"""),
    ("Data on the cluster", """%spark
val train = SparkData.syntheticShapes(jsc, 800, 24, 16, 1L, 2)
val test = SparkData.syntheticShapes(jsc, 200, 24, 50, 2L, 2)
println(s"${train.count()} training batches, ${test.count()} test batches")"""),
    ("Train with parameter averaging", """%spark
val trainer = SparkSKNetTrainer.builder(jsc).variant(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 24, 24)
  .batchSizePerWorker(16).averagingFrequency(2).epochs(2).seed(7L).updater(new Adam(2e-3)).build()
val net = trainer.fit(train)
val rows = trainer.epochScores.asScala.zipWithIndex.map { case (s, i) => s"${i + 1}\\t$s" }
println("%table epoch\\tscore\\n" + rows.mkString("\\n"))"""),
    ("Evaluate", """%spark
val ev = trainer.evaluate(test)
println(f"%%table metric\\tvalue\\naccuracy\\t${ev.accuracy()}%.4f\\nf1\\t${ev.f1()}%.4f")"""),
]


def paragraph(title, text, i, note_id):
    pid = "paragraph_" + hashlib.sha1(f"{note_id}-{i}".encode()).hexdigest()[:12]
    md = text.startswith("%md")
    return {
        "title": title,
        "text": text,
        "user": "anonymous",
        "dateUpdated": DATE,
        "config": {
            "editorSetting": {"language": "markdown" if md else "scala", "editOnDblClick": md,
                              "completionSupport": not md},
            "editorMode": "ace/mode/markdown" if md else "ace/mode/scala",
            "colWidth": 12.0, "editorHide": md, "fontSize": 9.0, "title": True,
            "results": {}, "enabled": True,
        },
        "settings": {"params": {}, "forms": {}},
        "apps": [], "runtimeInfos": {}, "progressUpdateIntervalMs": 500,
        "jobName": pid, "id": pid, "dateCreated": DATE, "status": "READY",
    }


def note(name, paragraphs):
    note_id = hashlib.sha1(name.encode()).hexdigest()[:9].upper()
    return {
        "paragraphs": [paragraph(t, x, i, note_id) for i, (t, x) in enumerate(paragraphs)],
        "name": name, "id": "2K" + note_id, "defaultInterpreterGroup": "spark", "version": "0.10.1",
        "noteParams": {}, "noteForms": {}, "angularObjects": {},
        "config": {"isZeppelinNotebookCronEnable": False}, "info": {},
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for file, name, paras in [("01-skconv-quickstart.zpln", "sknet-dl4j/01 SKConv quick start", SKCONV_QUICKSTART),
                              ("02-sknet-synthetic.zpln", "sknet-dl4j/02 SKNet on synthetic data", SKNET_SYNTHETIC),
                              ("03-spark-training.zpln", "sknet-dl4j/03 SKNet on Spark", SPARK_TRAINING)]:
        with open(os.path.join(OUT, file), "w") as f:
            json.dump(note(name, paras), f, indent=2)
            f.write("\n")
        print("wrote", file, len(paras), "paragraphs")


if __name__ == "__main__":
    main()
