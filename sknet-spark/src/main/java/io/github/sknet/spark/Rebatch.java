package io.github.sknet.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Cuts the mini-batches of each partition into batches of exactly {@code size} examples (the last of a
 * partition may be smaller), lazily. Why: DL4J 1.0.0-M2's training masters export the RDD before
 * training, and their exporter ({@code BatchAndExportMultiDataSetsFunction}) writes only one batch per
 * incoming object that is not already of the worker batch size, silently dropping the rest: 32-example
 * objects with a worker batch of 16 lost 40 % of the data. Objects of exactly that size pass through whole.
 */
final class Rebatch implements FlatMapFunction<Iterator<DataSet>, DataSet> {
    private static final long serialVersionUID = 1L;
    private final int size;

    Rebatch(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("Rebatch: size must be >= 1, got " + size);
        }
        this.size = size;
    }

    @Override
    public Iterator<DataSet> call(Iterator<DataSet> in) {
        return new Iterator<>() {
            private final Deque<DataSet> pending = new ArrayDeque<>();
            private int pendingExamples;

            @Override
            public boolean hasNext() {
                return pendingExamples > 0 || in.hasNext();
            }

            @Override
            public DataSet next() {
                while (pendingExamples < size && in.hasNext()) {
                    DataSet d = in.next();
                    if (d.numExamples() > 0) {
                        pending.addLast(d);
                        pendingExamples += d.numExamples();
                    }
                }
                if (pendingExamples == 0) {
                    throw new NoSuchElementException();
                }
                List<DataSet> parts = new ArrayList<>();
                int need = Math.min(size, pendingExamples);
                while (need > 0) {
                    DataSet head = pending.removeFirst();
                    int n = head.numExamples();
                    if (n <= need) {
                        parts.add(head);
                        need -= n;
                        pendingExamples -= n;
                    } else {
                        parts.add((DataSet) head.getRange(0, need));
                        pending.addFirst((DataSet) head.getRange(need, n));
                        pendingExamples -= need;
                        need = 0;
                    }
                }
                return parts.size() == 1 ? parts.get(0) : DataSet.merge(parts);
            }
        };
    }
}
