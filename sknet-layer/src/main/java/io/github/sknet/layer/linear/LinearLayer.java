package io.github.sknet.layer.linear;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.samediff.Helpers;

/**
 * The runtime of {@link Linear}: {@code z = x W + b} with W ({@code [nIn, nOut]}, f-ordered as DL4J keeps
 * it) read in place. Batch 1 on the CPU backend is one BLAS matrix-vector product on the caller's thread
 * (SKNet-50 b1: the classifier 1.0 ms -> 0.14, an SK attention's select step 0.1-0.2 ms -> 0.01); larger
 * batches are ND4J's matrix product, which takes the weights' order as it is (2-5x faster than
 * {@code mmuli} at batch 8-128). Layer norm, and inputs other than {@code [N, nIn]}, run DL4J's own code.
 * Backprop is DL4J's.
 */
public class LinearLayer extends DenseLayer {
    /** BLAS may read the arrays' memory: chosen once, when the layer is created ({@link Helpers}). */
    private final boolean blas = Helpers.enabled() && OneDnn.cpuBackend();

    public LinearLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        INDArray weights = getParam(DefaultParamInitializer.WEIGHT_KEY);
        if (hasLayerNorm() || input == null || input.rank() != 2 || input.columns() != weights.rows()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr); // and its messages
        }
        assertInputSet(forBackprop);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray w = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray x = input.castTo(w.dataType());
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), x.size(0), w.size(1));
        if (!(blas && x.size(0) == 1 && matrixVector(x, w, z))) {
            Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
        }
        if (hasBias()) {
            z.addiRowVector(getParamWithNoise(DefaultParamInitializer.BIAS_KEY, training, workspaceMgr));
        }
        if (maskArray != null) {
            applyMask(z);
        }
        return new Pair<>(z, z);
    }

    /**
     * z = W^T x for one sample through OpenBLAS's gemv (the library ND4J itself calls): W is column-major
     * {@code [nIn, nOut]}, so each output reads one contiguous column. False (nothing done) where the
     * arrays are not plain float32 / float64 in that layout.
     */
    private static boolean matrixVector(INDArray x, INDArray w, INDArray z) {
        long nIn = w.rows(), nOut = w.columns();
        DataType t = w.dataType();
        if (t != DataType.FLOAT && t != DataType.DOUBLE || x.dataType() != t || z.dataType() != t
                || !columnMajor(w) || !OneDnn.dense(x) || !OneDnn.dense(z) || nIn > Integer.MAX_VALUE
                || nOut > Integer.MAX_VALUE) {
            return false;
        }
        int m = (int) nIn, n = (int) nOut;
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasTrans, m, n, 1f,
                    new FloatPointer(w.data().addressPointer()), m, new FloatPointer(x.data().addressPointer()), 1,
                    0f, new FloatPointer(z.data().addressPointer()), 1);
        } else {
            openblas_nolapack.cblas_dgemv(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasTrans, m, n, 1.0,
                    new DoublePointer(w.data().addressPointer()), m, new DoublePointer(x.data().addressPointer()), 1,
                    0.0, new DoublePointer(z.data().addressPointer()), 1);
        }
        return true;
    }

    /** An f-ordered matrix whose elements are its buffer's, column after column. */
    private static boolean columnMajor(INDArray w) {
        return w.rank() == 2 && w.ordering() == 'f' && w.stride(0) == 1 && w.stride(1) == w.rows()
                && w.data().length() == w.length();
    }
}
