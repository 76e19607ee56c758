package io.github.sknet.layer.conv;

/**
 * A helper's copy of one layer's weights in the helper's own layout, kept between inference passes so
 * that they are not converted again on every pass. The layer owns it and drops it ({@link #invalidate})
 * whenever its weights may have changed; the helper refills it on the next pass.
 */
public interface PreparedWeights {

    /** Forget the prepared copy: the next pass converts the weights again. */
    void invalidate();

    /** How many times the weights were converted into this copy (for tests). */
    int conversions();
}
