package io.github.sknet.layer.onednn;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;

/**
 * The layout a oneDNN primitive works in for one argument, with the reorder between it and the plain
 * layout DL4J arrays have; the data in that layout lives in a {@link ScratchArena} slot. Null stands
 * for "the primitive takes the plain layout as it is". Callers hold {@link OneDnn#LOCK}.
 */
public final class Staging {
    private final memory.desc chosen, from, to;
    private final int slot;
    private final reorder reorder;
    private final memory.desc reorderScratchpad;
    private final CallArguments args = new CallArguments();

    private Staging(memory.desc from, memory.desc to, memory.desc chosen, int slot) {
        this.chosen = chosen;
        this.from = from;
        this.to = to;
        this.slot = slot;
        reorder.primitive_desc pd = new reorder.primitive_desc(OneDnn.engine(), from, OneDnn.engine(), to,
                OneDnn.attr(), false);
        reorder = new reorder(pd);
        reorderScratchpad = OneDnn.scratchpad(pd);
    }

    private long scratch() {
        return ScratchArena.address(slot, chosen.get_size());
    }

    private void reorder(long fromAddress, long toAddress) {
        args.put(dnnl.DNNL_ARG_FROM, from, fromAddress).put(dnnl.DNNL_ARG_TO, to, toAddress)
                .scratchpad(reorderScratchpad).execute(reorder);
    }

    /** Staging for an argument the primitive reads, kept in arena slot {@code slot}. */
    public static Staging forInput(memory.desc chosen, memory.desc plain, int slot) {
        return chosen.equals(plain) ? null : new Staging(plain, chosen, chosen, slot);
    }

    /** Staging for an argument the primitive writes, kept in arena slot {@code slot}. */
    public static Staging forOutput(memory.desc chosen, memory.desc plain, int slot) {
        return chosen.equals(plain) ? null : new Staging(chosen, plain, chosen, slot);
    }

    /** The layout the primitive takes the argument in: {@code plain} where {@code s} is null. */
    public static memory.desc desc(Staging s, memory.desc plain) {
        return s == null ? plain : s.chosen;
    }

    /** Where the argument is for the primitive: the user's data, or the scratch after reordering the user's data into it. */
    public static long in(Staging s, long user) {
        if (s == null) {
            return user;
        }
        long scratch = s.scratch();
        s.reorder(user, scratch);
        return scratch;
    }

    /** Whether {@code other} lays its argument out as this one does. */
    public boolean sameLayout(Staging other) {
        return chosen.equals(other.chosen);
    }

    /** Bytes of the argument in this layout. */
    public long bytes() {
        return chosen.get_size();
    }

    /**
     * The argument in this layout in {@code buffer} (at least {@link #bytes()}, 64-byte aligned, owned by
     * the caller), the user's data reordered into it first if {@code fill}; else as the last fill left it.
     */
    public long in(long user, long buffer, boolean fill) {
        if (fill) {
            reorder(user, buffer);
        }
        return buffer;
    }

    /** Where the primitive should write an output. */
    public static long target(Staging s, long user) {
        return s == null ? user : s.scratch();
    }

    /** Copies an output written to the {@link #target} scratch back into the user's memory. */
    public static void out(Staging s, long user) {
        if (s != null) {
            s.reorder(s.scratch(), user);
        }
    }

    public static void close(Staging s) {
        if (s != null) {
            s.reorder.close();
            s.args.close();
        }
    }
}
