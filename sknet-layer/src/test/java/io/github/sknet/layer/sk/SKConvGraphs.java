package io.github.sknet.layer.sk;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small classifier graphs around one SKConv, for the tests. */
public final class SKConvGraphs {
    private SKConvGraphs() {
    }

    public static ComputationGraphConfiguration classifier(SKConvConfig sk, int h, int w, int classes, DataType dt,
                                                    IUpdater updater) {
        return classifier(sk, h, w, classes, dt, updater, new SKFuseVertex(sk.branches()));
    }

    /** The same with a fuse step of one's own. */
    static ComputationGraphConfiguration classifier(SKConvConfig sk, int h, int w, int classes, DataType dt,
                                                    IUpdater updater, SKFuseVertex fuse) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(12345).dataType(dt)
                .updater(updater).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, sk.inChannels()));
        String out = SKConv.add(gb, "sk", sk, "in", fuse);
        gb.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), out)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        return gb.build();
    }
}
