package io.github.sknet.app;

import org.nd4j.linalg.factory.Nd4j;

/**
 * OpenBLAS on one thread for the sknet command. ND4J gives it a thread per core; its worker then spins
 * (sched_yield) for a while after each of the network's small matrix products (SK attention, classifier),
 * on a core that the OpenMP threads of ND4J and oneDNN need for the convolutions: SKNet-50 b8 112 passes
 * took ~11% longer with it. OpenBLAS run on the calling thread starts no worker.
 */
final class BlasThreads {
    private BlasThreads() {
    }

    static void useOne() {
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
