package io.github.sknet.layer.conv;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.Pointer;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.Staging;

/**
 * One layer's weights in the blocked layouts oneDNN's forward primitives chose for them (usually one;
 * one per layout where the layer runs at several input sizes). Made on a layout's second use, filled
 * again on the first use after {@link #invalidate}; callers hold {@link OneDnn#LOCK}. The buffers are
 * raw native memory freed when this object is collected.
 */
final class OneDnnPreparedWeights implements PreparedWeights {
    private static final int ALIGN = 64;
    private static final Cleaner CLEANER = Cleaner.create();

    private final List<Kept> kept = new ArrayList<>(1);
    /** The native buffers' addresses, shared with the cleaning action (which must not hold this object). */
    private final List<Long> buffers = new ArrayList<>(1);
    private int conversions;

    OneDnnPreparedWeights() {
        List<Long> toFree = buffers;
        CLEANER.register(this, () -> {
            synchronized (OneDnn.LOCK) {
                toFree.forEach(a -> Pointer.free(new At(a, 0)));
            }
        });
    }

    /**
     * Where the weights are as {@code staging} lays them out: kept from an earlier call, or reordered from
     * {@code user} now. A layout's first use reorders into the shared scratch memory, as without a kept
     * copy; the copy is made on its second use. A graph run once (a one-image predict) makes no copies,
     * and a new graph's first pass writes no fresh memory for them (SKNet-50: ~60 MB).
     */
    long in(Staging staging, long user) {
        assert Thread.holdsLock(OneDnn.LOCK);
        Kept k = kept.stream().filter(c -> c.staging.sameLayout(staging)).findFirst().orElse(null);
        if (k == null) {
            kept.add(new Kept(staging));
            return Staging.in(staging, user);
        }
        if (k.address == 0) {
            allocate(k);
        }
        boolean refill = !k.filled;
        if (refill) {
            k.filled = true;
            conversions++;
        }
        return staging.in(user, k.address, refill);
    }

    private void allocate(Kept k) {
        Pointer raw = Pointer.malloc(k.staging.bytes() + ALIGN);
        if (raw == null || raw.isNull()) {
            throw new OutOfMemoryError("oneDNN weights: cannot allocate " + (k.staging.bytes() + ALIGN) + " bytes");
        }
        buffers.add(raw.address());
        k.address = (raw.address() + ALIGN - 1) / ALIGN * ALIGN;
    }

    @Override
    public void invalidate() {
        synchronized (OneDnn.LOCK) {
            for (Kept k : kept) {
                k.filled = false;
            }
        }
    }

    @Override
    public int conversions() {
        synchronized (OneDnn.LOCK) {
            return conversions;
        }
    }

    /** The aligned buffer of one layout; 0 until its second use. */
    private static final class Kept {
        final Staging staging;
        long address;
        boolean filled;

        Kept(Staging staging) {
            this.staging = staging;
        }
    }

    /** A view of memory this class owns. */
    private static final class At extends Pointer {
        At(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }
}
