package io.github.sknet.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Classification accuracy of a network on an RDD, computed on the executors: each partition rebuilds the
 * network once from the broadcast configuration and parameters and evaluates its mini-batches in order;
 * the per-partition {@link Evaluation}s are merged on the driver. Why not
 * {@code SparkComputationGraph.evaluate}: in DL4J 1.0.0-M2 its evaluation runner read a partition holding
 * several mini-batches from two threads at once (an asynchronous prefetcher over a non-thread-safe
 * iterator) and failed at random ("NoSuchElementException", or empty inputs "rank 0 with shape []").
 */
final class DistributedEvaluation {
    private DistributedEvaluation() {
    }

    static Evaluation evaluate(JavaSparkContext sc, ComputationGraph net, JavaRDD<DataSet> data, int numClasses) {
        Broadcast<String> conf = sc.broadcast(net.getConfiguration().toJson());
        Broadcast<byte[]> params = sc.broadcast(bytes(net.params()));
        try {
            List<Evaluation> parts = data.mapPartitions(new EvaluatePartition(conf, params, numClasses)).collect();
            Evaluation all = new Evaluation(numClasses);
            for (Evaluation e : parts) {
                all.merge(e);
            }
            return all;
        } finally {
            conf.destroy();
            params.destroy();
        }
    }

    private static byte[] bytes(INDArray a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            Nd4j.write(a, d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class EvaluatePartition implements FlatMapFunction<Iterator<DataSet>, Evaluation> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<String> conf;
        private final Broadcast<byte[]> params;
        private final int numClasses;

        EvaluatePartition(Broadcast<String> conf, Broadcast<byte[]> params, int numClasses) {
            this.conf = conf;
            this.params = params;
            this.numClasses = numClasses;
        }

        @Override
        public Iterator<Evaluation> call(Iterator<DataSet> batches) throws Exception {
            Evaluation ev = new Evaluation(numClasses);
            if (batches.hasNext()) {
                ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.value()));
                INDArray p = Nd4j.read(new ByteArrayInputStream(params.value()));
                g.init(p, false);
                while (batches.hasNext()) {
                    DataSet d = batches.next();
                    ev.eval(d.getLabels(), g.outputSingle(false, d.getFeatures()));
                }
            }
            return List.of(ev).iterator();
        }
    }
}
