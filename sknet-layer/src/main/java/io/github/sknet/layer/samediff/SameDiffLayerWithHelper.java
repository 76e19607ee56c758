package io.github.sknet.layer.samediff;

import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of a SameDiff layer that may have a helper: {@link SameDiffVertexWithHelper}'s layer
 * counterpart. Without a helper it is DL4J's {@link SameDiffLayer} (the definition, backward by
 * autodiff) with the incoming gradient divided by {@link SameDiffGradients#factor()}, a quiet gradient
 * function, and every size but the channels free; with one, the helper runs.
 *
 * @param <H> the helper type
 */
public abstract class SameDiffLayerWithHelper<H> extends SameDiffLayer {
    protected final H helper;

    protected SameDiffLayerWithHelper(NeuralNetConfiguration conf, DataType dataType, H helper) {
        super(conf, dataType);
        this.helper = helper;
    }

    /** The helper this layer runs, or null when it runs its SameDiff definition. */
    public H helper() {
        return helper;
    }

    protected abstract INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr);

    protected abstract Pair<Gradient, INDArray> helperBackward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr);

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return helper != null ? helperForward(training, workspaceMgr) : super.activate(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (helper != null) {
            return helperBackward(epsilon, workspaceMgr);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sameDiff == null) {
                doInit();
            }
            if (!sameDiff.hasGradientFunction()) {
                SameDiffGradients.createQuietly(sameDiff, INPUT_KEY);
            }
        }
        double k = SameDiffGradients.factor();
        return super.backpropGradient(k == 1 ? epsilon : epsilon.div(k), workspaceMgr);
    }

    /** As DL4J's, but every dimension except the channels (dimension 1) is free. */
    @Override
    protected void doInit() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer def =
                    (org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer) layerConf();
            sameDiff = SameDiff.create();
            sameDiff.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
            long[] shape = SameDiffVertexWithHelper.freeShape(input.shape());
            SDVariable in = sameDiff.placeHolder(INPUT_KEY, dataType, shape);
            long[] maskShape = new long[shape.length];
            java.util.Arrays.fill(maskShape, -1);
            SDVariable mask = sameDiff.placeHolder(MASK_KEY, dataType, maskShape);
            Map<String, SDVariable> params = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> p : def.getLayerParams().getParamShapes().entrySet()) {
                params.put(p.getKey(), sameDiff.var(p.getKey(), dataType, p.getValue()));
            }
            outputVar = def.defineLayer(sameDiff, in, params, mask);
            for (Map.Entry<String, INDArray> e : paramTable().entrySet()) {
                sameDiff.associateArrayWithVariable(e.getValue(), sameDiff.getVariable(e.getKey()));
            }
            fn = SameDiffUtils.externalErrors(sameDiff, null, outputVar);
            fn.outputVariable();
            outputKey = outputVar.name();
        }
    }
}
