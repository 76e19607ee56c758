package io.github.sknet.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;

import org.apache.spark.SparkEnv;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * The Aeron UDP ports of SharedTrainingMaster: the driver listens on the configured port, each executor
 * JVM on a free port of its own, chosen once. DL4J's default (StaticPortSupplier) gives every executor the
 * driver's port, which works only with one executor per machine and none beside the driver: on a machine
 * running two executors (a standalone worker with several executors, or several workers) they collide.
 * The workers tell the driver their address and port when they join, so any port does.
 */
final class WorkerPortSupplier implements PortSupplier {
    private static final long serialVersionUID = 1L;
    private static volatile int executorPort;

    private final int driverPort;

    WorkerPortSupplier(int driverPort) {
        this.driverPort = driverPort;
    }

    @Override
    public int getPort() {
        SparkEnv env = SparkEnv.get();
        if (env == null || "driver".equals(env.executorId())) {
            return driverPort;
        }
        return executorPort();
    }

    private static synchronized int executorPort() {
        if (executorPort == 0) {
            try (DatagramSocket s = new DatagramSocket(0)) {
                executorPort = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("SharedTrainingMaster: no free UDP port on this executor", e);
            }
        }
        return executorPort;
    }

    @Override
    public String toString() {
        return "WorkerPortSupplier(driver " + driverPort + ", executors: a free port each)";
    }
}
