package io.github.sknet.layer.samediff;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two things DL4J's SameDiff layers and vertices get wrong in 1.0.0-M2.1, handled once here.
 *
 * <p><b>The incoming gradient counts twice.</b> DL4J feeds a layer's gradient in through an
 * {@link ExternalErrorsFunction}; its {@code doDiff} registers the placeholder as the output's gradient,
 * then {@code DifferentialFunction.diff} finds a gradient already registered and adds the placeholder to
 * it, so every input and parameter gradient comes out k = 2 times too large. {@link #factor()} measures k
 * on a tiny graph (y = 3x) once per JVM; the runtimes divide the incoming gradient by it, which stays
 * right if a DL4J release fixes the bug (k = 1).
 *
 * <p><b>Building a gradient function prints a line per op</b> ({@code System.out.println} in
 * {@code SameDiff}). {@link #createQuietly} builds it with those lines dropped.
 */
public final class SameDiffGradients {
    private static final String NOISE = "Added differentiated op ";
    private static volatile Double factor;

    private SameDiffGradients() {
    }

    /** k: how many times SameDiff counts a gradient fed in through DL4J's external-errors op. */
    public static double factor() {
        Double k = factor;
        if (k == null) {
            synchronized (SameDiffGradients.class) {
                if (factor == null) {
                    factor = probe();
                }
                k = factor;
            }
        }
        return k;
    }

    private static double probe() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 1);
            SDVariable y = x.mul(3.0);
            ExternalErrorsFunction fn = SameDiffUtils.externalErrors(sd, null, y);
            fn.outputVariable();
            createQuietly(sd, "x");
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> g = sd.calculateGradients(Map.of(
                    "x", Nd4j.ones(DataType.DOUBLE, 1, 1),
                    fn.getGradPlaceholderName(), Nd4j.ones(DataType.DOUBLE, 1, 1)), "x");
            double k = g.get("x").getDouble(0) / 3.0;
            if (!(k >= 1 && k <= 4 && Math.rint(k) == k)) {
                throw new IllegalStateException("SameDiff gradient probe: dL/dx of y = 3x with dL/dy = 1 came out "
                        + 3 * k + "; expected 3 (or 6 with DL4J 1.0.0-M2.1's doubled external gradient)");
            }
            return k;
        }
    }

    /** {@code sd.createGradFunction(inputs)}, without SameDiff's line per differentiated op on standard output. */
    public static void createQuietly(SameDiff sd, String... inputs) {
        synchronized (SameDiffGradients.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(new LineFilter(out), true, StandardCharsets.UTF_8));
            try {
                sd.createGradFunction(inputs);
            } finally {
                System.out.flush();
                System.setOut(out);
            }
        }
    }

    /** Passes every line through to {@code target} except SameDiff's per-op noise. */
    private static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final StringBuilder line = new StringBuilder();

        LineFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            line.append((char) (b & 0xff));
            if (b == '\n') {
                String s = line.toString();
                line.setLength(0);
                if (!s.startsWith(NOISE)) {
                    target.print(new String(s.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
                }
            }
        }

        @Override
        public void flush() {
            if (line.length() > 0 && !line.toString().startsWith(NOISE)) {
                target.print(line);
            }
            line.setLength(0);
            target.flush();
        }
    }
}
