package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.layer.onednn.OneDnn;

/**
 * The SameDiff definition (float64, autodiff) and the oneDNN helper (float32) against a direct loop-nest
 * definition of grouped convolution and its gradients, on odd sizes, batch 1 and stride 2.
 */
class GroupedConvHelperTest {

    @ParameterizedTest(name = "N={0} C={1}->{2} {3}x{4} G={5} k={6} s={7} p={8} d={9}")
    @CsvSource({
            "2, 8, 8, 7, 7, 4, 3, 1, 1, 1",
            "2, 8, 8, 9, 9, 4, 3, 2, 2, 2",
            "1, 6, 12, 6, 5, 3, 3, 1, 3, 3",
            "2, 8, 8, 8, 8, 8, 5, 1, 2, 1",
            "3, 4, 4, 13, 11, 1, 3, 2, 1, 1",
            "1, 16, 16, 5, 5, 16, 3, 1, 1, 1",
            // stride = dilation: computed as the undilated convolution of the subsampled input
            "2, 8, 8, 8, 8, 4, 3, 2, 2, 2",
            "1, 6, 6, 8, 11, 3, 3, 3, 1, 3",
            "1, 4, 4, 8, 8, 1, 3, 2, 4, 2",
            "2, 8, 8, 8, 8, 4, 3, 2, 1, 2",
    })
    void definitionAndHelperMatchTheLoopNest(int n, int cin, int cout, int h, int w, int groups, int k, int s, int p, int d) {
        ConvGeometry g = new ConvGeometry(n, cin, h, w, cout, groups, new int[] {k, k}, new int[] {s, s},
                new int[] {p, p}, new int[] {d, d});
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.DOUBLE, g.inputShape()).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.DOUBLE, g.weightShape()).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, g.outputShape()).subi(0.5);
        INDArray[] ref = reference(g, x, wt, dy);

        assertClose("SameDiff definition", g, GroupedConvPaths.run(g, x, wt, dy, false), ref, 1e-10);
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        check(OneDnnGroupedConvHelper.INSTANCE, g, x.castTo(DataType.FLOAT), wt.castTo(DataType.FLOAT),
                dy.castTo(DataType.FLOAT), ref, 1e-4);
    }

    /**
     * Stride equal to dilation runs as the undilated convolution of the subsampled input (the rows above,
     * checked against the loop nest), where oneDNN can view that input in place; elsewhere as it is.
     */
    @ParameterizedTest(name = "{0}x{1} s=d={2} p={3}: {4}")
    @CsvSource({"8, 8, 2, 2, true", "8, 11, 3, 1, true", "8, 8, 2, 4, true", "56, 56, 2, 2, true",
            "9, 9, 2, 2, false", "8, 8, 2, 1, false", "8, 8, 1, 2, false"})
    void stridedDilatedConvolutionsRunUndilatedOnTheSubsampledInput(int h, int w, int sd, int p, boolean subsampled) {
        ConvGeometry g = new ConvGeometry(2, 8, h, w, 8, 4, new int[] {3, 3}, new int[] {sd, sd},
                new int[] {p, p}, new int[] {sd == 1 ? 2 : sd, sd == 1 ? 2 : sd});
        assertEquals(subsampled, OneDnnGroupedConvHelper.INSTANCE.subsamples(g), g.toString());
    }

    /**
     * Narrow groups (SKNet's 4 channels per group, dilated or not): both gradients computed with k
     * neighbouring groups merged into block-diagonal ones; each group's weight gradient is its diagonal
     * block, the data gradient is that of the block-diagonal weights. The merge is forced (which
     * geometries oneDNN has a direct kernel for depends on the CPU).
     */
    @ParameterizedTest(name = "C={0} G={1} d={2}, {3} groups merged")
    @CsvSource({"32, 8, 1, 2", "32, 8, 2, 4", "64, 8, 2, 2", "64, 16, 1, 4", "32, 16, 1, 8"})
    void mergedGroupGradientsAreEachGroupsOwn(int c, int groups, int d, int merged) {
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        ConvGeometry g = new ConvGeometry(2, c, 9, 9, c, groups, new int[] {3, 3}, new int[] {1, 1},
                new int[] {d, d}, new int[] {d, d});
        OneDnnGroupedConvHelper merging = OneDnnGroupedConvHelper.mergingGroups(merged);
        assertEquals(merged, merging.backwardWeightsGroupsMerged(g));
        assertEquals(merged, merging.backwardDataGroupsMerged(g));
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, g.inputShape()).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.DOUBLE, g.weightShape()).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, g.outputShape()).subi(0.5);
        check(merging, g, x.castTo(DataType.FLOAT), wt.castTo(DataType.FLOAT),
                dy.castTo(DataType.FLOAT), reference(g, x, wt, dy), 1e-4);
    }

    /**
     * sknet_cifar's 2-channel groups (C=64, G=32): oneDNN runs their data gradient as im2col + GEMMs (6x
     * the forward's time), merged groups get a direct kernel (8 channels a group on AVX2, 16 on AVX-512).
     */
    @Test
    void narrowGroupsDataGradientIsMergedWhereThatFindsADirectKernel() {
        ConvGeometry g = new ConvGeometry(2, 64, 8, 8, 64, 32, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1});
        assertTrue(OneDnnGroupedConvHelper.INSTANCE.backwardDataGroupsMerged(g) > 1,
                "expected merged groups for the data gradient of " + g);
    }

    /** SKNet's undilated 4-channel groups: oneDNN runs their weight gradient as im2col + GEMMs, merged groups get a direct kernel (AVX2 and AVX-512). */
    @Test
    void narrowGroupsAreMergedWhereThatFindsADirectKernel() {
        ConvGeometry g = new ConvGeometry(2, 32, 9, 9, 32, 8, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1});
        assertTrue(OneDnnGroupedConvHelper.INSTANCE.backwardWeightsGroupsMerged(g) > 1,
                "expected merged groups for the weight gradient of " + g);
    }

    /** SKNet's wider stages (8 channels per group): both backward primitives read dy from one reorder. */
    @Test
    void backwardReordersDyOnceWhereBothPrimitivesReadOneLayout() {
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        ConvGeometry g = new ConvGeometry(2, 256, 5, 5, 256, 32, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1});
        assertTrue(OneDnnGroupedConvHelper.INSTANCE.backwardSharesStagedDy(g),
                "expected one reorder of dy for both backward primitives of " + g);
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, g.inputShape()).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.DOUBLE, g.weightShape()).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, g.outputShape()).subi(0.5);
        check(OneDnnGroupedConvHelper.INSTANCE, g, x.castTo(DataType.FLOAT), wt.castTo(DataType.FLOAT),
                dy.castTo(DataType.FLOAT), reference(g, x, wt, dy), 1e-4);
    }

    /**
     * oneDNN primitives built on one thread and run on others, two at a time: what Spark's local executors
     * and ParallelWrapper do. With oneDNN's library-managed (creating-thread-local) scratchpad this crashed
     * the JVM in libdnnl's im2col.
     */
    @Test
    void oneDnnRunsFromOtherThreadsThanTheOneThatBuiltIt() throws Exception {
        assertTrue(OneDnn.isAvailable(), "oneDNN did not load: " + OneDnn.loadError());
        // dilated grouped 3x3, as in an SKConv branch: oneDNN runs it as im2col + gemm, which needs scratch
        ConvGeometry g = new ConvGeometry(4, 32, 12, 12, 32, 8, new int[] {3, 3}, new int[] {1, 1},
                new int[] {2, 2}, new int[] {2, 2});
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, g.inputShape()).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.DOUBLE, g.weightShape()).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, g.outputShape()).subi(0.5);
        INDArray[] ref = reference(g, x, wt, dy);
        INDArray xf = x.castTo(DataType.FLOAT), wf = wt.castTo(DataType.FLOAT), dyf = dy.castTo(DataType.FLOAT);
        check(OneDnnGroupedConvHelper.INSTANCE, g, xf, wf, dyf, ref, 1e-4); // builds the primitives here
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> check(OneDnnGroupedConvHelper.INSTANCE, g, xf, wf, dyf, ref, 1e-4)));
            }
            for (Future<?> r : runs) {
                r.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void check(GroupedConvHelper e, ConvGeometry g, INDArray x, INDArray w, INDArray dy,
                              INDArray[] ref, double tol) {
        INDArray y = Nd4j.create(x.dataType(), g.outputShape());
        INDArray dx = Nd4j.create(x.dataType(), g.inputShape());
        INDArray dw = Nd4j.create(x.dataType(), g.weightShape());
        e.forward(g, x, w, null, false, y);
        e.backward(g, x, w, dy, dx, dw);
        assertClose(e.name() + " helper", g, new INDArray[] {y, dx, dw}, ref, tol);
    }

    static void assertClose(String who, ConvGeometry g, INDArray[] got, INDArray[] ref, double tol) {
        String[] what = {"y", "dx", "dw"};
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ref[i].shape(), got[i].shape(), who + " " + what[i] + " shape");
            double err = got[i].castTo(DataType.DOUBLE).sub(ref[i]).amaxNumber().doubleValue();
            double scale = Math.max(1, ref[i].amaxNumber().doubleValue());
            assertTrue(err <= tol * scale, who + " " + what[i] + " max error " + err + " for " + g);
        }
    }

    /** Loop-nest grouped convolution with PyTorch's padding rule; returns y, dL/dx, dL/dw for L = sum(y * dy). */
    static INDArray[] reference(ConvGeometry g, INDArray x, INDArray w, INDArray dy) {
        double[] xs = x.dup().data().asDouble(), ws = w.dup().data().asDouble(), dys = dy.dup().data().asDouble();
        double[] y = new double[(int) (g.n * g.outChannels * g.outH * g.outW)];
        double[] dx = new double[xs.length], dw = new double[ws.length];
        int cinG = (int) (g.inChannels / g.groups), coutG = (int) (g.outChannels / g.groups);
        for (int b = 0; b < g.n; b++) {
            for (int o = 0; o < g.outChannels; o++) {
                int grp = o / coutG;
                for (int oh = 0; oh < g.outH; oh++) {
                    for (int ow = 0; ow < g.outW; ow++) {
                        int yi = (int) (((b * g.outChannels + o) * g.outH + oh) * g.outW + ow);
                        for (int ci = 0; ci < cinG; ci++) {
                            int c = grp * cinG + ci;
                            for (int i = 0; i < g.kH; i++) {
                                for (int j = 0; j < g.kW; j++) {
                                    long ih = (long) oh * g.sH - g.pH + (long) i * g.dH;
                                    long iw = (long) ow * g.sW - g.pW + (long) j * g.dW;
                                    if (ih < 0 || iw < 0 || ih >= g.inH || iw >= g.inW) {
                                        continue;
                                    }
                                    int xi = (int) (((b * g.inChannels + c) * g.inH + ih) * g.inW + iw);
                                    int wi = ((o * cinG + ci) * g.kH + i) * g.kW + j;
                                    y[yi] += xs[xi] * ws[wi];
                                    dx[xi] += dys[yi] * ws[wi];
                                    dw[wi] += dys[yi] * xs[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new INDArray[] {Nd4j.create(y, g.outputShape()), Nd4j.create(dx, g.inputShape()),
                Nd4j.create(dw, g.weightShape())};
    }
}
