package io.github.sknet.layer.samediff;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
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
 * The runtime of a SameDiff vertex that may have a helper. Without one it is DL4J's
 * {@link SameDiffGraphVertex} (the definition, backward by autodiff), with three mends: the incoming
 * gradient is divided by {@link SameDiffGradients#factor()}, the gradient function is built without
 * SameDiff's console noise, and the graph is defined for any batch and spatial size (DL4J fixes every
 * size but the batch at the first call). With a helper, chosen once by the subclass's constructor, the
 * helper's forward and backward run instead; both give the same numbers (tests compare them).
 *
 * @param <H> the helper type
 */
public abstract class SameDiffVertexWithHelper<H> extends SameDiffGraphVertex {
    protected final H helper;

    protected SameDiffVertexWithHelper(SameDiffVertex config, ComputationGraph graph, String name, int idx,
                                       INDArray paramsView, boolean initParams, DataType dataType, H helper) {
        super(config, graph, name, idx, paramsView, initParams, dataType);
        this.helper = helper;
    }

    /** The helper this vertex runs, or null when it runs its SameDiff definition. */
    public H helper() {
        return helper;
    }

    protected abstract INDArray helperForward(boolean training, LayerWorkspaceMgr workspaceMgr);

    protected abstract Pair<Gradient, INDArray[]> helperBackward(LayerWorkspaceMgr workspaceMgr);

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return helper != null ? helperForward(training, workspaceMgr) : super.doForward(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (helper != null) {
            return helperBackward(workspaceMgr);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sameDiff == null) {
                doInit();
            }
            if (!sameDiff.hasGradientFunction()) {
                List<String> in = config.getVertexParams().getInputs();
                SameDiffGradients.createQuietly(sameDiff, in.toArray(new String[0]));
            }
        }
        INDArray given = epsilon;
        double k = SameDiffGradients.factor();
        epsilon = k == 1 ? given : given.div(k);
        try {
            return super.doBackward(tbptt, workspaceMgr);
        } finally {
            epsilon = given;
        }
    }

    /** As DL4J's, but every dimension except the channels (dimension 1) is free. */
    @Override
    protected void doInit() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            sameDiff = SameDiff.create();
            sameDiff.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
            inputVars = new LinkedHashMap<>();
            Map<String, SDVariable> maskVars = new LinkedHashMap<>();
            List<String> names = config.getVertexParams().getInputs();
            for (int i = 0; i < names.size(); i++) {
                long[] shape = freeShape(inputs[i].shape());
                inputVars.put(names.get(i), sameDiff.placeHolder(names.get(i), dataType, shape));
                long[] maskShape = shape.length == 4 ? new long[] {-1, 1, 1, 1} : new long[] {-1, 1};
                maskVars.put(names.get(i), sameDiff.placeHolder(names.get(i) + "_mask", dataType, maskShape));
            }
            Map<String, SDVariable> params = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> p : config.getVertexParams().getParamShapes().entrySet()) {
                params.put(p.getKey(), sameDiff.var(p.getKey(), dataType, p.getValue()));
            }
            outputVar = config.defineVertex(sameDiff, inputVars, params, maskVars);
            for (Map.Entry<String, INDArray> e : paramTable.entrySet()) {
                sameDiff.associateArrayWithVariable(e.getValue(), sameDiff.getVariable(e.getKey()));
            }
            fn = SameDiffUtils.externalErrors(sameDiff, null, outputVar);
            fn.outputVariable();
            outputKey = outputVar.name();
        }
    }

    /** {@code shape} with every size but the channels' set to -1 (any). */
    static long[] freeShape(long[] shape) {
        long[] free = new long[shape.length];
        for (int d = 0; d < shape.length; d++) {
            free[d] = d == 1 ? shape[d] : -1;
        }
        return free;
    }
}
