package io.github.sknet.layer.conv;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.Pointer;

import io.github.sknet.layer.onednn.OneDnn;
import io.github.sknet.layer.onednn.Staging;

/**
 * One layer's weights in the blocked layouts oneDNN's forward primitives chose for them (usually one;
 * one per layout where the layer runs at several input sizes). Filled on first use after
 * {@link #invalidate}; callers hold {@link OneDnn#LOCK}. The buffers are raw native memory freed when
 * this object is collected.
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

    /** Where the weights are as {@code staging} lays them out: kept from an earlier call, or reordered from {@code user} now. */
    long in(Staging staging, long user) {
        assert Thread.holdsLock(OneDnn.LOCK);
        Kept k = kept.stream().filter(c -> c.staging.sameLayout(staging)).findFirst().orElse(null);
        if (k == null) {
            Pointer raw = Pointer.malloc(staging.bytes() + ALIGN);
            if (raw == null || raw.isNull()) {
                throw new OutOfMemoryError("oneDNN weights: cannot allocate " + (staging.bytes() + ALIGN) + " bytes");
            }
            buffers.add(raw.address());
            k = new Kept(staging, (raw.address() + ALIGN - 1) / ALIGN * ALIGN);
            kept.add(k);
        }
        boolean refill = !k.filled;
        if (refill) {
            k.filled = true;
            conversions++;
        }
        return staging.in(user, k.address, refill);
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

    /** The aligned buffer of one layout. */
    private static final class Kept {
        final Staging staging;
        final long address;
        boolean filled;

        Kept(Staging staging, long address) {
            this.staging = staging;
            this.address = address;
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
