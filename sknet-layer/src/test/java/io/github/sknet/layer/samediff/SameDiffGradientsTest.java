package io.github.sknet.layer.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

class SameDiffGradientsTest {

    /**
     * DL4J 1.0.0-M2.1 counts a SameDiff layer's incoming gradient twice. If this fails after a DL4J
     * upgrade, the bug was fixed: the runtimes follow the probe by themselves, and this expectation and
     * README's account of the bug need updating.
     */
    @Test
    void theProbeFindsDl4jM21sDoubledExternalGradient() {
        assertEquals(2.0, SameDiffGradients.factor());
    }

    @Test
    void buildingAGradientFunctionPrintsNothingButWhatOthersPrint() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        sd.setLossVariables(x.mul(x).sum().add(x.mean()));
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            System.out.println("before ü");
            SameDiffGradients.createQuietly(sd, "x");
            System.out.println("after");
        } finally {
            System.setOut(out);
        }
        assertTrue(sd.hasGradientFunction());
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertFalse(printed.contains("Added differentiated op"), printed);
        assertEquals("before ü\nafter\n", printed.replace("\r\n", "\n"));
    }
}
