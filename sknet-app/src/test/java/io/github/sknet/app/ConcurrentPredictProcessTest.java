package io.github.sknet.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.SyntheticShapes;
import io.github.sknet.models.io.Npy;
import io.github.sknet.models.io.SKNetModelFile;

/**
 * Two {@code sknet predict} processes writing the same --output at once (issue 16): both succeed, the
 * output is one complete result, no temporary file is left, and neither prints anything on stderr (a
 * fresh JVM: DL4J's one-per-process "Assigning a size of zero" warning would show here).
 */
class ConcurrentPredictProcessTest {
    @TempDir
    Path dir;

    @Test
    void twoPredictProcessesWritingOneOutput() throws Exception {
        SyntheticShapes shapes = new SyntheticShapes(32, 5);
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(5).inputShape(3, 32, 32).build().init();
        Path model = dir.resolve("model.zip");
        SKNetModelFile.save(g, new SKNetModelFile.Meta("sknet_small", 32, shapes.classNames(), 0), model, false);
        Path x = dir.resolve("x.npy");
        Npy.write(x, shapes.sample(64).getFeatures().castTo(DataType.FLOAT));
        Path out = dir.resolve("y.npy");
        Path ref = dir.resolve("ref.npy");
        SknetCommandTest.Result r = SknetCommandTest.sknet("predict", "--model", model.toString(), "--input",
                x.toString(), "--output", ref.toString(), "--batch", "8");
        assertEquals(0, r.code, r.err);

        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    Sknet.class.getName(), "predict", "--model", model.toString(), "--input", x.toString(), "--output",
                    out.toString(), "--batch", "8");
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(dir.resolve("err" + i + ".txt").toFile());
            ps.add(pb.start());
        }
        for (int i = 0; i < 2; i++) {
            assertTrue(ps.get(i).waitFor(120, TimeUnit.SECONDS), "process " + i + " finished");
            String err = Files.readString(dir.resolve("err" + i + ".txt"), StandardCharsets.UTF_8);
            assertEquals(0, ps.get(i).exitValue(), err);
            assertEquals("", err, "nothing on stderr");
        }
        assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(out), "one complete result");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }
}
