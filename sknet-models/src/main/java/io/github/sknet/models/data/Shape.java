package io.github.sknet.models.data;

import java.util.Locale;

/**
 * The object classes of {@link SyntheticShapes}, each a region of the square [-1, 1]^2 (u to the right,
 * v downwards) that it fills edge to edge, so that the drawn extent is exactly the requested scale.
 * They differ in topology and stroke layout rather than in area, so telling them apart needs a
 * receptive field that covers the whole object.
 */
enum Shape {
    SQUARE {
        @Override
        boolean contains(double u, double v) {
            return Math.abs(u) <= 1 && Math.abs(v) <= 1;
        }
    },
    RING {
        @Override
        boolean contains(double u, double v) {
            double r2 = u * u + v * v;
            return r2 <= 1 && r2 >= RING_INNER * RING_INNER;
        }
    },
    CROSS {
        @Override
        boolean contains(double u, double v) {
            double au = Math.abs(u), av = Math.abs(v);
            return au <= 1 && av <= 1 && (au <= CROSS_HALF_WIDTH || av <= CROSS_HALF_WIDTH);
        }
    },
    TRIANGLE {
        @Override
        boolean contains(double u, double v) {
            // apex at the top centre, base along the bottom edge
            return v <= 1 && Math.abs(u) <= (v + 1) / 2;
        }
    },
    BARS {
        @Override
        boolean contains(double u, double v) {
            return Math.abs(u) <= 1 && Math.abs(v) <= 1 && Math.abs(v) >= BARS_GAP;
        }
    };

    /** Inner radius of the ring: thick enough to survive noise at the smallest scale. */
    private static final double RING_INNER = 0.6;
    /** Half width of each cross arm, relative to the half extent. */
    private static final double CROSS_HALF_WIDTH = 0.25;
    /** Half of the gap between the two bars: two bands 0.6 high around an empty band 0.8 high. */
    private static final double BARS_GAP = 0.4;

    /** Whether the point (u, v) of the object's box [-1, 1]^2 is painted. */
    abstract boolean contains(double u, double v);

    /** The class name, also the image-folder name. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
