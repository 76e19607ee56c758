package io.github.sknet.layer.sk;

import java.io.File;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** One reference case written by tools/reference/skconv_reference.py, and the DL4J graph that mirrors it. */
final class SKConvFixture {
    static final String INPUT = "in";
    static final String SK = "sk";

    final String name;
    final Map<String, INDArray> arrays;
    final SKConvConfig config;

    SKConvFixture(String name) throws Exception {
        this.name = name;
        URL url = SKConvFixture.class.getResource("/fixtures/skconv/" + name + ".npz");
        if (url == null) {
            throw new IllegalStateException("fixture " + name + " is missing: run tools/reference/skconv_reference.py");
        }
        this.arrays = Nd4j.createFromNpzFile(new File(url.toURI()));
        SKConvConfig.Builder b = SKConvConfig.builder(hp("channels")).inChannels(hp("in_channels"))
                .branches(hp("M")).groups(hp("G")).reduction(hp("r")).minWidth(hp("L")).stride(hp("stride"))
                .kernels(arrays.get("hp.kernels").toIntVector()).selectBias(hp("caffe") == 0)
                .splitInput(hp("split_input") == 1).attentionWidth(hp("d"));
        if (hp("dilated") == 0) {
            b.trueKernels();
        }
        this.config = b.build();
    }

    int hp(String key) {
        return arrays.get("hp." + key).getInt(0);
    }

    INDArray get(String key, DataType dt) {
        INDArray a = arrays.get(key);
        if (a == null) {
            throw new IllegalStateException("fixture " + name + " has no array " + key);
        }
        return a.castTo(dt);
    }

    boolean hasTraining() {
        return arrays.containsKey("y_train");
    }

    /** Entries under a prefix ("param." or "grad."), the prefix removed, cast to dt. */
    Map<String, INDArray> withPrefix(String prefix, DataType dt) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v.castTo(dt));
            }
        });
        return out;
    }

    InputGradientGraph graph(DataType dt) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().dataType(dt).seed(1)
                .updater(new Sgd(1.0)).trainingWorkspaceMode(WorkspaceMode.NONE)
                .inferenceWorkspaceMode(WorkspaceMode.NONE).graphBuilder().addInputs(INPUT)
                .setInputTypes(InputType.convolutional(hp("H"), hp("W"), hp("in_channels")));
        gb.setOutputs(SKConv.add(gb, SK, config, INPUT));
        InputGradientGraph g = new InputGradientGraph(gb.build());
        g.init();
        SKConvStateDict.load(g, SK, withPrefix("param.", dt), "");
        return g;
    }
}
