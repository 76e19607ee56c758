package io.github.sknet.layer.sk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.graph.SumVertex;
import io.github.sknet.layer.graph.SumVertexImplAccess;
import io.github.sknet.layer.samediff.SameDiffVertexWithHelper;

/**
 * For every parameterless piece, the helper's forward and backward against the SameDiff definition
 * with autodiff (the runtime with no helper), float64, on random shapes: odd sizes, batch 1, 1x1 maps.
 * (The convolution's helper is float32-only: GroupedConvHelperTest compares both with a loop nest.)
 */
class HelpersMatchDefinitionsTest {
    private static final double TOL = 1e-9;

    /** The vertex {@code v} fed by {@code inputs} (their shapes), as a float64 graph runtime on the SameDiff path. */
    private static SameDiffVertexWithHelper<?> definition(GraphVertex v, long[]... inputs) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder();
        String[] names = new String[inputs.length];
        InputType[] types = new InputType[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            names[i] = "in" + i;
            types[i] = inputs[i].length == 4 ? InputType.convolutional(inputs[i][2], inputs[i][3], inputs[i][1])
                    : InputType.feedForward(inputs[i][1]);
        }
        gb.addInputs(names).setInputTypes(types).addVertex("v", v, names).setOutputs("v");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        SameDiffVertexWithHelper<?> runtime = (SameDiffVertexWithHelper<?>) g.getVertex("v");
        assertNull(runtime.helper(), "float64 must run the definition");
        return runtime;
    }

    /** {y, dL/d input 0, dL/d input 1, ...} of the definition for L = sum(y * dy). */
    private static INDArray[] run(SameDiffVertexWithHelper<?> v, INDArray[] in, INDArray dy) {
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        v.setInputs(in);
        INDArray y = v.doForward(true, ws).dup();
        v.setEpsilon(dy);
        Pair<Gradient, INDArray[]> bp = v.doBackward(false, ws);
        INDArray[] out = new INDArray[in.length + 1];
        out[0] = y;
        for (int i = 0; i < in.length; i++) {
            out[i + 1] = bp.getSecond()[i].dup();
        }
        return out;
    }

    private static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(4);
    }

    private static void assertClose(INDArray[] expected, INDArray[] got, String what) {
        for (int i = 0; i < expected.length; i++) {
            String name = what + (i == 0 ? " output" : " gradient of input " + (i - 1));
            assertArrayEquals(expected[i].shape(), got[i].shape(), name + " shape");
            double err = expected[i].sub(got[i]).amaxNumber().doubleValue();
            double scale = Math.max(1, expected[i].amaxNumber().doubleValue());
            assertTrue(err <= TOL * scale, name + ": max |error| " + err);
        }
    }

    @ParameterizedTest(name = "N={0} C={1} {2}x{3} M={4}")
    @CsvSource({"2, 6, 5, 7, 2", "1, 4, 3, 3, 3", "3, 5, 1, 1, 2", "1, 8, 9, 4, 1"})
    void fuse(int n, int c, int h, int w, int m) {
        Nd4j.getRandom().setSeed(n * 100 + c + h + m);
        INDArray[] u = new INDArray[m];
        long[][] shapes = new long[m][];
        for (int i = 0; i < m; i++) {
            u[i] = rand(n, c, h, w);
            shapes[i] = u[i].shape();
        }
        INDArray ds = rand(n, c);
        INDArray[] expected = run(definition(new SKFuseVertex(m), shapes), u, ds);

        INDArray s = Nd4j.create(DataType.DOUBLE, n, c);
        BlasSKFuseHelper.INSTANCE.forward(u, s);
        INDArray[] du = new INDArray[m];
        for (int i = 0; i < m; i++) {
            du[i] = Nd4j.create(DataType.DOUBLE, n, c, h, w);
        }
        BlasSKFuseHelper.INSTANCE.backward(ds, du);
        INDArray[] got = new INDArray[m + 1];
        got[0] = s;
        System.arraycopy(du, 0, got, 1, m);
        assertClose(expected, got, "fuse");
    }

    @ParameterizedTest(name = "N={0} C={1} {2}x{3} M={4}")
    @CsvSource({"2, 6, 5, 7, 2", "1, 4, 3, 3, 3", "3, 5, 1, 1, 2", "1, 8, 9, 4, 1"})
    void select(int n, int c, int h, int w, int m) {
        Nd4j.getRandom().setSeed(n * 7 + c + h + m);
        INDArray[] in = new INDArray[m + 1];
        long[][] shapes = new long[m + 1][];
        in[0] = rand(n, (long) m * c);
        for (int i = 1; i <= m; i++) {
            in[i] = rand(n, c, h, w);
        }
        for (int i = 0; i <= m; i++) {
            shapes[i] = in[i].shape();
        }
        INDArray dv = rand(n, c, h, w);
        INDArray[] expected = run(definition(new SKSelectVertex(m, c), shapes), in, dv);

        INDArray v = Nd4j.create(DataType.DOUBLE, n, c, h, w);
        INDArray[] u = Arrays.copyOfRange(in, 1, m + 1);
        CpuSKSelectHelper.INSTANCE.forward(in[0], u, v);
        INDArray[] got = new INDArray[m + 2];
        got[0] = v;
        got[1] = Nd4j.create(DataType.DOUBLE, n, (long) m * c);
        INDArray[] du = new INDArray[m];
        for (int i = 0; i < m; i++) {
            du[i] = got[i + 2] = Nd4j.create(DataType.DOUBLE, n, c, h, w);
        }
        CpuSKSelectHelper.INSTANCE.backward(in[0], u, dv, got[1], du);
        assertClose(expected, got, "select");
    }

    @ParameterizedTest(name = "N={0} C={1} {2}x{3} inputs={4} relu={5}")
    @CsvSource({"2, 6, 5, 7, 2, true", "1, 4, 3, 3, 3, true", "3, 5, 1, 1, 2, false", "1, 8, 9, 4, 4, false"})
    void sum(int n, int c, int h, int w, int k, boolean relu) {
        Nd4j.getRandom().setSeed(n * 11 + c + h + k);
        INDArray[] in = new INDArray[k];
        long[][] shapes = new long[k][];
        for (int i = 0; i < k; i++) {
            in[i] = rand(n, c, h, w);
            shapes[i] = in[i].shape();
        }
        INDArray dy = rand(n, c, h, w);
        INDArray[] expected = run(definition(new SumVertex(relu), shapes), in, dy);

        INDArray[] got = SumVertexImplAccess.helperRun(in, relu, dy);
        assertClose(expected, got, "sum");
    }
}
