package io.github.sknet.layer.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.samediff.Helpers;

/**
 * BatchNorm on its own against PyTorch's (tools/reference/batchnorm_reference.py): inference with the
 * running statistics, training with batch statistics, the running statistics after the training pass
 * (momentum, unbiased variance), and the gradients of x, gamma and beta; [N, C, H, W] and [N, C], with
 * and without ReLU, batch 1; on both implementations: ND4J ops (float64, and float32 with helpers off)
 * and oneDNN (float32).
 */
class BatchNormParityTest {
    static final String[] CASES = {"nchw", "nchw_relu", "nchw_batch1", "nc", "nc_relu_eps"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String c : CASES) {
            out.add(Arguments.of(c, DataType.DOUBLE, false));
            out.add(Arguments.of(c, DataType.FLOAT, false));
            out.add(Arguments.of(c, DataType.FLOAT, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} helpers={2}")
    @MethodSource("cases")
    void matchesPyTorch(String name, DataType dt, boolean helpers) throws Exception {
        URL url = BatchNormParityTest.class.getResource("/fixtures/batchnorm/" + name + ".npz");
        if (url == null) {
            throw new IllegalStateException("fixture " + name + " is missing: run tools/reference/batchnorm_reference.py");
        }
        Map<String, INDArray> f = Nd4j.createFromNpzFile(new File(url.toURI()));
        INDArray x = f.get("x").castTo(dt);
        long c = x.size(1);
        boolean relu = f.get("relu").getInt(0) == 1;
        Helpers.setEnabled(helpers);
        ComputationGraph g;
        try {
            g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(dt).graphBuilder().addInputs("x")
                    .setInputTypes(x.rank() == 4 ? InputType.convolutional(x.size(2), x.size(3), c)
                            : InputType.feedForward(c))
                    .addLayer("bn", new BatchNorm.Builder().nOut(c).eps(f.get("eps").getDouble(0))
                            .momentum(f.get("momentum").getDouble(0))
                            .activation(relu ? Activation.RELU : Activation.IDENTITY).build(), "x")
                    .setOutputs("bn").build());
            g.init();
        } finally {
            Helpers.setEnabled(true);
        }
        g.initGradientsView();
        Layer bn = g.getLayer("bn");
        bn.getParam(BatchNormParamInitializer.GAMMA).assign(f.get("gamma").reshape(1, c));
        bn.getParam(BatchNormParamInitializer.BETA).assign(f.get("beta").reshape(1, c));
        bn.getParam(BatchNormParamInitializer.MEAN).assign(f.get("running_mean").reshape(1, c));
        bn.getParam(BatchNormParamInitializer.VAR).assign(f.get("running_var").reshape(1, c));
        double tol = dt == DataType.DOUBLE ? 1e-9 : 1e-4;
        String what = name + " " + dt + (helpers ? " oneDNN" : " ND4J");

        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        bn.setInput(x, ws);
        close(f.get("y_eval"), bn.activate(false, ws), tol, what + " inference output");
        close(f.get("running_mean").castTo(dt), bn.getParam(BatchNormParamInitializer.MEAN), 0, what + " inference kept the running mean");
        bn.setInput(x, ws);
        close(f.get("y_train"), bn.activate(true, ws), tol, what + " training output");
        close(f.get("after_running_mean"), bn.getParam(BatchNormParamInitializer.MEAN), tol, what + " running mean after");
        close(f.get("after_running_var"), bn.getParam(BatchNormParamInitializer.VAR), tol, what + " running var after");
        Pair<Gradient, INDArray> bp = bn.backpropGradient(f.get("upstream").castTo(dt), ws);
        double gtol = dt == DataType.DOUBLE ? 1e-9 : 1e-3;
        close(f.get("grad_x"), bp.getSecond(), gtol, what + " dL/dx");
        close(f.get("grad_gamma"), bp.getFirst().getGradientFor(BatchNormParamInitializer.GAMMA), gtol, what + " dL/dgamma");
        close(f.get("grad_beta"), bp.getFirst().getGradientFor(BatchNormParamInitializer.BETA), gtol, what + " dL/dbeta");
    }

    private static void close(INDArray expected, INDArray actual, double tol, String what) {
        assertTrue(actual != null, what + ": missing");
        assertArrayEquals(new long[] {expected.length()}, new long[] {actual.length()}, what + ": length");
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        double err = e.sub(a).amaxNumber().doubleValue();
        double scale = Math.max(1.0, e.amaxNumber().doubleValue());
        assertTrue(err <= tol * scale, what + ": max |error| " + err + " > " + tol * scale);
    }
}
