package io.github.sknet.app;

import java.util.Random;
import java.util.Set;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import io.github.sknet.layer.conv.GroupedConv2D;
import io.github.sknet.layer.norm.BatchNorm;
import io.github.sknet.layer.sk.SKAttention;
import io.github.sknet.layer.sk.SKConv;
import io.github.sknet.layer.sk.SKConvConfig;

/**
 * {@code sknet demo}: a tiny graph with one SKConv trained on generated images
 * (three classes: a small square, a large square, a ring, at random positions in noise). Prints the
 * loss and held-out accuracy per epoch, then the mean attention on each branch per class.
 */
final class SKConvDemo {
    private static final int SIZE = 16;
    private static final int CLASSES = 3;

    private SKConvDemo() {
    }

    static int run(String[] args) {
        Args a = new Args("demo", args, Set.of("--epochs", "--seed"), Set.of("--verbose"));
        int epochs = a.integer("--epochs", 6, 1);
        long seed = a.integer("--seed", 42, Integer.MIN_VALUE);
        Nd4j.getRandom().setSeed(seed);
        ComputationGraph g = new ComputationGraph(graph(seed));
        g.init();
        System.out.println("graph: " + g.numParams() + " parameters, SKConv " + config());
        DataSet train = shapes(600, new Random(seed));
        DataSet test = shapes(300, new Random(seed + 1));
        for (int e = 1; e <= epochs; e++) {
            long t0 = System.nanoTime();
            double loss = 0;
            int batches = 0;
            for (DataSet batch : train.batchBy(50)) {
                g.fit(batch);
                loss += g.score();
                batches++;
            }
            Evaluation ev = g.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                    test.batchBy(100)));
            System.out.printf("epoch %d/%d  loss %.4f  held-out accuracy %.3f  (%.1f s)%n", e, epochs,
                    loss / batches, ev.accuracy(), (System.nanoTime() - t0) / 1e9);
        }
        INDArray att = SKAttention.read(g, "sk", test.getFeatures());
        System.out.println("mean attention per class (branch 0 = 3x3, branch 1 = dilated 3x3 ~ 5x5):");
        INDArray labels = test.getLabels().argMax(1);
        for (int c = 0; c < CLASSES; c++) {
            double[] sum = new double[2];
            int n = 0;
            for (int i = 0; i < labels.length(); i++) {
                if (labels.getInt(i) == c) {
                    sum[0] += att.slice(i).getRow(0).meanNumber().doubleValue();
                    sum[1] += att.slice(i).getRow(1).meanNumber().doubleValue();
                    n++;
                }
            }
            System.out.printf("  %-13s branch0 %.3f  branch1 %.3f%n", NAMES[c], sum[0] / n, sum[1] / n);
        }
        return 0;
    }

    private static final String[] NAMES = {"small square", "large square", "ring"};

    static SKConvConfig config() {
        return SKConvConfig.builder(16).groups(4).minWidth(8).build();
    }

    static ComputationGraphConfiguration graph(long seed) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT).updater(new Adam(3e-3)).weightInit(WeightInit.RELU).graphBuilder()
                .addInputs("image").setInputTypes(InputType.convolutional(SIZE, SIZE, 1))
                .addLayer("stem", new GroupedConv2D.Builder().nOut(16).kernelSize(3).padding(1).build(), "image")
                .addLayer("stem_bn", new BatchNorm.Builder().activation(Activation.RELU).build(), "stem");
        String sk = SKConv.add(gb, "sk", config(), "stem_bn");
        gb.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), sk)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        return gb.build();
    }

    /** n images [n, 1, 16, 16] of the three classes with one-hot labels. */
    static DataSet shapes(int n, Random r) {
        float[] x = new float[n * SIZE * SIZE];
        float[] y = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            int c = i % CLASSES;
            y[i * CLASSES + c] = 1;
            int half = c == 0 ? 2 : 5;
            int cy = half + r.nextInt(SIZE - 2 * half), cx = half + r.nextInt(SIZE - 2 * half);
            for (int py = 0; py < SIZE; py++) {
                for (int px = 0; px < SIZE; px++) {
                    int dy = Math.abs(py - cy), dx = Math.abs(px - cx);
                    boolean inside = dy <= half && dx <= half;
                    boolean on = c == 2 ? inside && (dy == half || dx == half) : inside;
                    x[(i * SIZE + py) * SIZE + px] = (on ? 1f : 0f) + 0.3f * (float) r.nextGaussian();
                }
            }
        }
        return new DataSet(Nd4j.create(x, new long[] {n, 1, SIZE, SIZE}, 'c'), Nd4j.create(y, new long[] {n, CLASSES}, 'c'));
    }
}
