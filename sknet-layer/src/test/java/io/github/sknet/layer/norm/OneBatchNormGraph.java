package io.github.sknet.layer.norm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.samediff.Helpers;

/** A graph of one BatchNorm called "bn", made with or without helpers, its parameters set. */
final class OneBatchNormGraph {
    private OneBatchNormGraph() {
    }

    /** {@code params}: gamma, beta, running mean, running variance, each [1, C]. */
    static ComputationGraph of(boolean helpers, boolean relu, InputType in, long c, INDArray[] params) {
        Helpers.setEnabled(helpers);
        ComputationGraph g;
        try {
            g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder()
                    .addInputs("x").setInputTypes(in)
                    .addLayer("bn", new BatchNorm.Builder().nOut(c).activation(relu ? Activation.RELU : Activation.IDENTITY)
                            .build(), "x")
                    .setOutputs("bn").build());
            g.init();
        } finally {
            Helpers.setEnabled(true);
        }
        String[] names = {BatchNormParamInitializer.GAMMA, BatchNormParamInitializer.BETA, BatchNormParamInitializer.MEAN,
                BatchNormParamInitializer.VAR};
        for (int i = 0; i < names.length; i++) {
            g.getLayer("bn").getParam(names[i]).assign(params[i]);
        }
        return g;
    }
}
