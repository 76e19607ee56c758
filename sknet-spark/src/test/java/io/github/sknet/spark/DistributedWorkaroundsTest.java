package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;

/** The pieces that put DL4J M2's training masters right, without Spark. */
class DistributedWorkaroundsTest {

    @Test
    void rebatchCutsEveryPartitionIntoExactBatchesKeepingEveryExampleInOrder() throws Exception {
        List<DataSet> in = new ArrayList<>();
        int next = 0;
        for (int n : new int[] {32, 32, 5, 16, 7}) { // 92 examples; example i has feature value i
            in.add(new DataSet(Nd4j.arange(next, next + n).reshape(n, 1), Nd4j.zeros(n, 2)));
            next += n;
        }
        List<DataSet> out = new ArrayList<>();
        new Rebatch(16).call(in.iterator()).forEachRemaining(out::add);
        assertEquals(List.of(16, 16, 16, 16, 16, 12), out.stream().map(DataSet::numExamples).toList());
        assertEquals(Nd4j.arange(0, 92).reshape(92, 1), DataSet.merge(out).getFeatures());
    }

    @Test
    void iterationCountHookCarriesTheDriversCountToTheWorkerNetwork() throws Exception {
        ComputationGraph driver = tinyNet();
        driver.getConfiguration().setIterationCount(37);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new IterationCountHook(driver)); // as Spark ships it with a round's job
        }
        IterationCountHook onWorker;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            onWorker = (IterationCountHook) in.readObject();
        }
        ComputationGraph worker = new ComputationGraph(driver.getConfiguration().clone());
        worker.init(driver.params().dup(), false);
        assertEquals(0, worker.getIterationCount(), "DL4J's configuration clone drops the count");
        onWorker.preUpdate((org.nd4j.linalg.dataset.api.MultiDataSet) null, worker);
        assertEquals(37, worker.getIterationCount());
        worker.getConfiguration().setIterationCount(38); // the worker's own step
        onWorker.preUpdate((org.nd4j.linalg.dataset.api.MultiDataSet) null, worker);
        assertEquals(38, worker.getIterationCount(), "applied once per worker network");
    }

    private static ComputationGraph tinyNet() {
        return SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(3).inputShape(3, 16, 16).build().init();
    }
}
