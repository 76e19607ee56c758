package io.github.sknet.layer.onednn;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;

/**
 * A scratch memory in the layout a oneDNN primitive works in, with the reorder between it and the
 * plain layout DL4J arrays have. Null stands for "the primitive takes the plain layout as it is".
 * Scratch is reused by every call of one geometry, so callers hold the primitive's lock while using it.
 */
public final class Staging {
    private final memory scratch;
    private final reorder reorder;

    private Staging(memory.desc from, memory.desc to, memory.desc scratchMd) {
        scratch = new memory(scratchMd, OneDnn.engine());
        reorder = new reorder(new reorder.primitive_desc(OneDnn.engine(), from, OneDnn.engine(), to));
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
        s.reorder.execute(OneDnn.stream(), user, s.scratch);
        return s.scratch;
    }

    /** Where the primitive should write an output. */
    public static memory target(Staging s, memory user) {
        return s == null ? user : s.scratch;
    }

    /** Copies an output written to scratch back into the user's memory. */
    public static void out(Staging s, memory user) {
        if (s != null) {
            s.reorder.execute(OneDnn.stream(), s.scratch, user);
        }
    }

    public static void close(Staging s) {
        if (s != null) {
            s.scratch.close();
            s.reorder.close();
        }
    }
}
