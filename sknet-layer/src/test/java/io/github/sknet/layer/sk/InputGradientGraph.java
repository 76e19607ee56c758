package io.github.sknet.layer.sk;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A graph whose backprop keeps the epsilons, so that dL/d(input) can be read off the input vertex. */
final class InputGradientGraph extends ComputationGraph {
    InputGradientGraph(ComputationGraphConfiguration conf) {
        super(conf);
    }

    Gradient backpropKeepingInputGradients(INDArray... externalEpsilons) {
        calcBackpropGradients(false, false, externalEpsilons);
        return gradient;
    }
}
