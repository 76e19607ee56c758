package io.github.sknet.layer.graph;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnnElementwise;

/**
 * The sum (+ ReLU) as one oneDNN binary pass with a ReLU post-op for two inputs, else ND4J ops, written
 * once with ReLU in place. DL4J's {@code ElementWiseVertex} + {@code ActivationLayer} took three full
 * passes plus two copies.
 */
final class CpuSumHelper implements SumHelper {
    static final CpuSumHelper INSTANCE = new CpuSumHelper();

    private CpuSumHelper() {
    }

    @Override
    public void forward(INDArray[] in, boolean relu, INDArray out) {
        if (in.length == 2 && OneDnnElementwise.add(in[0], in[1], relu, out)) {
            return;
        }
        Nd4j.exec(new AddOp(in[0].castTo(out.dataType()), in[1].castTo(out.dataType()), out));
        for (int i = 2; i < in.length; i++) {
            out.addi(in[i].castTo(out.dataType()));
        }
        if (relu) {
            Nd4j.getExecutioner().exec(new RectifiedLinear(out, out, 0.0));
        }
    }

    @Override
    public void backward(INDArray out, boolean relu, INDArray eps, INDArray[] dIn) {
        if (relu) {
            // ReLU's gradient mask is (output > 0)
            if (!OneDnnElementwise.reluBackward(out, eps, dIn[0])) {
                Nd4j.exec(new RectifiedLinearDerivative(out, eps, dIn[0]));
            }
        } else {
            GradientSharing.copy(eps, dIn[0]);
        }
        GradientSharing.copyFirstToOthers(dIn);
    }

    @Override
    public String name() {
        return "onednn";
    }
}
