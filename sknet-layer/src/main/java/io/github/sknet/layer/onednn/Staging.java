package io.github.sknet.layer.onednn;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;

/**
 * A scratch memory in the layout a oneDNN primitive works in, with the reorder between it and the
 * plain layout DL4J arrays have. Null stands for "the primitive takes the plain layout as it is".
 * Scratch is reused by every call of one geometry, so callers hold {@link OneDnn#LOCK} while using it.
 */
public final class Staging {
    private final memory scratch;
    private final reorder reorder;
    private final memory reorderScratchpad;

    private Staging(memory.desc from, memory.desc to, memory.desc scratchMd) {
        scratch = new memory(scratchMd, OneDnn.engine());
        reorder.primitive_desc pd = new reorder.primitive_desc(OneDnn.engine(), from, OneDnn.engine(), to,
                OneDnn.attr(), false);
        reorder = new reorder(pd);
        reorderScratchpad = OneDnn.scratchpad(pd);
    }

    private void reorder(memory from, memory to) {
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_FROM, from);
        args.put(dnnl.DNNL_ARG_TO, to);
        reorder.execute(OneDnn.stream(), OneDnn.withScratchpad(args, reorderScratchpad));
    }

    /** Staging for an argument the primitive reads. */
    public static Staging forInput(memory.desc chosen, memory.desc plain) {
        return chosen.equals(plain) ? null : new Staging(plain, chosen, chosen);
    }

    /** Staging for an argument the primitive writes. */
    public static Staging forOutput(memory.desc chosen, memory.desc plain) {
        return chosen.equals(plain) ? null : new Staging(chosen, plain, chosen);
    }

    /** The argument to pass: the user's memory, or the scratch after reordering the user's data into it. */
    public static memory in(Staging s, memory user) {
        if (s == null) {
            return user;
        }
        s.reorder(user, s.scratch);
        return s.scratch;
    }

    /** Where the primitive should write an output. */
    public static memory target(Staging s, memory user) {
        return s == null ? user : s.scratch;
    }

    /** Copies an output written to scratch back into the user's memory. */
    public static void out(Staging s, memory user) {
        if (s != null) {
            s.reorder(s.scratch, user);
        }
    }

    public static void close(Staging s) {
        if (s != null) {
            s.scratch.close();
            s.reorder.close();
            if (s.reorderScratchpad != null) {
                s.reorderScratchpad.close();
            }
        }
    }
}
