package io.github.sknet.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;

/** Every sknet command runs OpenBLAS on the calling thread (see BlasThreads). */
class BlasThreadsTest {
    @Test
    void aCommandLeavesOpenBlasOnOneThread() {
        Blas blas = Nd4j.factory().blas();
        int cores = Runtime.getRuntime().availableProcessors();
        blas.setMaxThreads(cores);
        assertEquals(cores, blas.getMaxThreads(), "OpenBLAS takes a thread per core before the command");
        assertEquals(0, Sknet.run(new String[] {"summary", "--arch", "sknet_small", "--num-classes", "3"}));
        assertEquals(1, blas.getMaxThreads());
    }
}
