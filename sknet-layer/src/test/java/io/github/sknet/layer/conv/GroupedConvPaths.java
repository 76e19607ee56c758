package io.github.sknet.layer.conv;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.samediff.Helpers;

/** One {@link GroupedConv2D} layer run on the helper path or the SameDiff definition. */
final class GroupedConvPaths {
    private GroupedConvPaths() {
    }

    /**
     * y, dL/dx and dL/dW of a bias-free GroupedConv2D of geometry {@code g} with weights {@code w}, for
     * L = sum(y * dy), in x's data type; {@code helpers} false forces the SameDiff definition.
     */
    static INDArray[] run(ConvGeometry g, INDArray x, INDArray w, INDArray dy, boolean helpers) {
        Helpers.setEnabled(helpers);
        try {
            ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(x.dataType())
                    .graphBuilder().addInputs("x").setInputTypes(InputType.convolutional(g.inH, g.inW, g.inChannels))
                    .addLayer("conv", new GroupedConv2D.Builder().nOut(g.outChannels).groups(g.groups)
                            .kernelSize(g.kH, g.kW).stride(g.sH, g.sW).padding(g.pH, g.pW).dilation(g.dH, g.dW)
                            .build(), "x")
                    .setOutputs("conv").build());
            net.init();
            net.initGradientsView();
            Layer conv = net.getLayer("conv");
            if ((((GroupedConv2DLayer) conv).helper() == null) == helpers) {
                throw new IllegalStateException("expected the " + (helpers ? "helper" : "SameDiff") + " path, got "
                        + conv);
            }
            conv.getParam(GroupedConv2D.WEIGHT_KEY).assign(w);
            LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
            conv.setInput(x, ws);
            INDArray y = conv.activate(true, ws).dup();
            Pair<Gradient, INDArray> bp = conv.backpropGradient(dy, ws);
            return new INDArray[] {y, bp.getSecond().dup(), bp.getFirst().getGradientFor(GroupedConv2D.WEIGHT_KEY).dup()};
        } finally {
            Helpers.setEnabled(true);
        }
    }
}
