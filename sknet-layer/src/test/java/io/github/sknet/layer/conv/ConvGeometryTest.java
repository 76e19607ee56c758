package io.github.sknet.layer.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Output sizes, and the undilated equivalent of a convolution whose stride equals its dilation. */
class ConvGeometryTest {

    private static ConvGeometry conv(long h, long w, int k, int s, int p, int d) {
        return new ConvGeometry(2, 8, h, w, 8, 4, new int[] {k, k}, new int[] {s, s}, new int[] {p, p},
                new int[] {d, d});
    }

    @Test
    void outputSizeIsPyTorchs() {
        ConvGeometry g = conv(56, 55, 3, 2, 2, 2);
        assertEquals(28, g.outH);
        assertEquals(28, g.outW);
    }

    /** SKNet-50's downsampling SK branch: 3x3, dilation 2, stride 2, padding 2 reads the even rows and columns. */
    @Test
    void strideEqualToDilationIsAnUndilatedConvolutionOfTheSubsampledInput() {
        ConvGeometry g = conv(56, 55, 3, 2, 2, 2);
        ConvGeometry sub = g.subsampledEquivalent();
        assertEquals(conv(28, 28, 3, 1, 1, 1), sub);
        assertEquals(0, g.subsampleRow());
        assertEquals(g.outH, sub.outH);
        assertEquals(g.outW, sub.outW);
    }

    @Test
    void paddingNotAMultipleOfTheDilationStartsAtAnOddRow() {
        ConvGeometry g = conv(8, 11, 3, 3, 1, 3); // reads rows 2, 5 and columns 2, 5, 8
        assertEquals(2, g.subsampleRow());
        assertEquals(2, g.subsampleColumn());
        assertEquals(conv(2, 3, 3, 1, 1, 1), g.subsampledEquivalent());
    }

    @Test
    void noEquivalentWhereStrideAndDilationDifferOrTheSizesDoNotMatch() {
        assertNull(conv(56, 56, 3, 2, 1, 1).subsampledEquivalent(), "undilated");
        assertNull(conv(56, 56, 3, 1, 2, 2).subsampledEquivalent(), "stride 1");
        assertNull(conv(8, 8, 3, 2, 1, 2).subsampledEquivalent(), "an output size the subsampled input does not give");
    }
}
