package io.github.sknet.layer.conv;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The always-correct fallback: one ND4J conv2d per group. Runs on any backend and data type (the
 * parity tests use it in float64); slow for many small groups, which is why the oneDNN engine exists.
 */
public final class Nd4jGroupedConvEngine implements GroupedConvEngine {
    public static final Nd4jGroupedConvEngine INSTANCE = new Nd4jGroupedConvEngine();

    private Nd4jGroupedConvEngine() {
    }

    @Override
    public String name() {
        return "nd4j";
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        long cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups;
        for (int grp = 0; grp < g.groups; grp++) {
            INDArray xg = channels(x, grp * cinG, cinG).dup('c');
            INDArray wg = yxio(rows(w, grp * coutG, coutG));
            INDArray yg = Nd4j.createUninitialized(y.dataType(), g.n, coutG, g.outH, g.outW);
            exec(DynamicCustomOp.builder("conv2d").addInputs(xg, wg).addOutputs(yg)
                    .addIntegerArguments(iArgs(g)).build());
            channels(y, grp * coutG, coutG).assign(yg);
        }
    }

    @Override
    public void backward(ConvGeometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        long cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups;
        for (int grp = 0; grp < g.groups; grp++) {
            INDArray xg = channels(x, grp * cinG, cinG).dup('c');
            INDArray wg = yxio(rows(w, grp * coutG, coutG));
            INDArray dyg = channels(dy, grp * coutG, coutG).dup('c');
            INDArray dxg = Nd4j.createUninitialized(dw.dataType(), xg.shape()); // conv2d_bp always writes it
            INDArray dwg = Nd4j.createUninitialized(dw.dataType(), wg.shape());
            exec(DynamicCustomOp.builder("conv2d_bp").addInputs(xg, wg, dyg).addOutputs(dxg, dwg)
                    .addIntegerArguments(iArgs(g)).build());
            if (dx != null) {
                channels(dx, grp * cinG, cinG).assign(dxg);
            }
            rows(dw, grp * coutG, coutG).assign(dwg.permute(3, 2, 0, 1));
        }
    }

    /** Runs without ND4J's own oneDNN helpers, which reject dilated convolutions. */
    private static void exec(DynamicCustomOp op) {
        boolean helpers = Nd4j.getEnvironment().helpersAllowed();
        Nd4j.getEnvironment().allowHelpers(false);
        try {
            Nd4j.exec(op);
        } finally {
            Nd4j.getEnvironment().allowHelpers(helpers);
        }
    }

    /** [O, I, kH, kW] -> [kH, kW, I, O], the weight layout whose backprop works in ND4J M2.1. */
    private static INDArray yxio(INDArray oihw) {
        return oihw.permute(2, 3, 1, 0).dup('c');
    }

    private static INDArray channels(INDArray a, long from, long count) {
        INDArrayIndex[] idx = {NDArrayIndex.all(), NDArrayIndex.interval(from, from + count), NDArrayIndex.all(),
                NDArrayIndex.all()};
        return a.get(idx);
    }

    private static INDArray rows(INDArray a, long from, long count) {
        return a.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all());
    }

    private static int[] iArgs(ConvGeometry g) {
        // kH, kW, sH, sW, pH, pW, dH, dW, same-mode off, NCHW, YXIO weights
        return new int[] {g.kH, g.kW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, 0, 0, 0};
    }
}
