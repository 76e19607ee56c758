package io.github.sknet.layer.onednn;

import org.bytedeco.javacpp.Pointer;

/**
 * Process-wide scratch buffers for oneDNN, one per slot, grown to the largest request and reused by
 * every primitive. Each geometry owning its own staging and scratchpad buffers cost gigabytes in a
 * network with dozens of layer shapes; since every oneDNN call holds {@link OneDnn#LOCK}, buffers
 * shared by slot are never used by two calls at once. A call uses distinct slots for the arguments
 * it stages at the same time.
 */
public final class ScratchArena {
    /** Staging slots for a primitive's source / weights / destination (or their gradients). */
    public static final int SRC = 0, WEIGHTS = 1, DST = 2;
    /** The primitive's (or reorder's) own scratchpad: never live at the same time as another. */
    public static final int SCRATCHPAD = 3;
    private static final int ALIGN = 64;

    private static final long[] ADDRESS = new long[4];
    private static final long[] CAPACITY = new long[4];

    private ScratchArena() {
    }

    /** The address of at least {@code bytes} of 64-byte-aligned scratch in this slot; the caller holds {@link OneDnn#LOCK}. */
    public static long address(int slot, long bytes) {
        assert Thread.holdsLock(OneDnn.LOCK);
        if (CAPACITY[slot] < bytes) {
            if (ADDRESS[slot] != 0) {
                Pointer.free(new At(ADDRESS[slot], 0));
            }
            long cap = Math.max(bytes, CAPACITY[slot] + CAPACITY[slot] / 4);
            Pointer raw = Pointer.malloc(cap + ALIGN);
            if (raw == null || raw.isNull()) {
                throw new OutOfMemoryError("oneDNN scratch: cannot allocate " + (cap + ALIGN) + " bytes");
            }
            ADDRESS[slot] = raw.address();
            CAPACITY[slot] = cap;
        }
        return (ADDRESS[slot] + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** A view of memory this class owns (raw addresses are kept, never an owning Pointer). */
    private static final class At extends Pointer {
        At(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }
}
