package io.github.sknet.layer.onednn;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;

/**
 * The layout a oneDNN primitive works in for one argument, with the reorder between it and the plain
 * layout DL4J arrays have; the data in that layout lives in a {@link ScratchArena} slot. Null stands
 * for "the primitive takes the plain layout as it is". Callers hold {@link OneDnn#LOCK}.
 */
public final class Staging {
    private final memory.desc chosen;
    private final int slot;
    private final reorder reorder;
    private final memory.desc reorderScratchpad;

    private Staging(memory.desc from, memory.desc to, memory.desc chosen, int slot) {
        this.chosen = chosen;
        this.slot = slot;
        reorder.primitive_desc pd = new reorder.primitive_desc(OneDnn.engine(), from, OneDnn.engine(), to,
                OneDnn.attr(), false);
        reorder = new reorder(pd);
        reorderScratchpad = OneDnn.scratchpad(pd);
    }

    private memory scratch() {
        return new memory(chosen, OneDnn.engine(), ScratchArena.get(slot, chosen.get_size()));
    }

    private void reorder(memory from, memory to) {
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_FROM, from);
        args.put(dnnl.DNNL_ARG_TO, to);
        reorder.execute(OneDnn.stream(), OneDnn.withScratchpad(args, reorderScratchpad));
    }

    /** Staging for an argument the primitive reads, kept in arena slot {@code slot}. */
    public static Staging forInput(memory.desc chosen, memory.desc plain, int slot) {
        return chosen.equals(plain) ? null : new Staging(plain, chosen, chosen, slot);
    }

    /** Staging for an argument the primitive writes, kept in arena slot {@code slot}. */
    public static Staging forOutput(memory.desc chosen, memory.desc plain, int slot) {
        return chosen.equals(plain) ? null : new Staging(chosen, plain, chosen, slot);
    }

    /** The argument to pass: the user's memory, or the scratch after reordering the user's data into it. */
    public static memory in(Staging s, memory user) {
        if (s == null) {
            return user;
        }
        memory scratch = s.scratch();
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
    public memory in(memory user, Pointer buffer, boolean fill) {
        memory kept = new memory(chosen, OneDnn.engine(), buffer);
        if (fill) {
            reorder(user, kept);
        }
        return kept;
    }

    /** Where the primitive should write an output. */
    public static memory target(Staging s, memory user) {
        return s == null ? user : s.scratch();
    }

    /** Copies an output written to the {@link #target} scratch back into the user's memory. */
    public static void out(Staging s, memory user) {
        if (s != null) {
            s.reorder(s.scratch(), user);
        }
    }

    public static void close(Staging s) {
        if (s != null) {
            s.reorder.close();
        }
    }
}
