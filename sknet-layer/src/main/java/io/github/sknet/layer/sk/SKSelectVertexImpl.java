package io.github.sknet.layer.sk;

import java.util.Arrays;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.samediff.SameDiffVertexWithHelper;

/** The runtime of {@link SKSelectVertex}: its {@link SKSelectHelper}, or the SameDiff definition. */
public class SKSelectVertexImpl extends SameDiffVertexWithHelper<SKSelectHelper> {
    private final int branches;
    private final long channels;

    public SKSelectVertexImpl(SKSelectVertex config, ComputationGraph graph, String name, int idx, DataType dataType,
                              SKSelectHelper helper) {
        super(config, graph, name, idx, null, false, dataType, helper);
        this.branches = config.getBranches();
        this.channels = config.getChannels();
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        return super.doForward(training, workspaceMgr);
    }

    @Override
    protected INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray v = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, inputs[1].shape(), 'c');
        helper.forward(inputs[0], branchOutputs(), v);
        return v;
    }

    @Override
    protected Pair<Gradient, INDArray[]> helperBackward(LayerWorkspaceMgr workspaceMgr) {
        checkInputs();
        INDArray[] out = new INDArray[branches + 1];
        out[0] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, inputs[0].shape(), 'c');
        INDArray[] du = new INDArray[branches];
        for (int i = 0; i < branches; i++) {
            du[i] = out[i + 1] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                    inputs[i + 1].shape(), 'c');
        }
        helper.backward(inputs[0], branchOutputs(), epsilon.castTo(dataType), out[0], du);
        return new Pair<>(null, out);
    }

    private INDArray[] branchOutputs() {
        return Arrays.copyOfRange(inputs, 1, inputs.length);
    }

    private void checkInputs() {
        if (inputs == null || inputs.length != branches + 1) {
            throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': expects " + (branches + 1)
                    + " inputs (attention logits, then " + branches + " branch outputs)");
        }
        if (inputs[0].length() != inputs[0].size(0) * branches * channels) {
            throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': attention logits "
                    + Arrays.toString(inputs[0].shape()) + " are not [N, M*C] = [N, " + branches * channels + "]");
        }
        for (int i = 1; i <= branches; i++) {
            if (inputs[i].rank() != 4 || inputs[i].size(1) != channels || !Arrays.equals(inputs[i].shape(), inputs[1].shape())
                    || inputs[i].size(0) != inputs[0].size(0)) {
                throw new DL4JInvalidInputException("SKSelectVertex '" + vertexName + "': branch output " + (i - 1)
                        + " has shape " + Arrays.toString(inputs[i].shape()) + ", expected [N, " + channels
                        + ", H, W] like " + Arrays.toString(inputs[1].shape()));
            }
        }
    }

    @Override
    public String toString() {
        return "SKSelectVertex(name=\"" + vertexName + "\", M=" + branches + ", C=" + channels + ", "
                + (helper == null ? "SameDiff" : helper.name()) + ")";
    }
}
