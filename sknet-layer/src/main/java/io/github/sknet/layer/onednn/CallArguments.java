package io.github.sknet.layer.onednn;

import java.util.Arrays;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arguments of one primitive's calls: one oneDNN memory per argument, made on the first call and
 * pointed at each later call's buffers. Making the memories and their map anew for every call cost
 * ~6 us of an elementwise call's ~10 (execute and wait ~3 us), and SKNet-50 makes ~350 calls a pass.
 * An argument keeps the descriptor of its first call: a primitive takes each argument in one layout.
 * Callers hold {@link OneDnn#LOCK}; the memories live until {@link #close}.
 */
public final class CallArguments implements AutoCloseable {
    private final IntMemoryMap map = new IntMemoryMap();
    private int[] args = new int[0];
    private memory[] memories = new memory[0];
    /** The address handed to oneDNN, reused for every argument (oneDNN copies it). */
    private final Address handle = new Address();

    public CallArguments() {
        map.retainReference(); // not freed by a PointerScope a caller may have open
    }

    /** Argument {@code arg}, laid out as {@code md}, over the array's own buffer ({@link OneDnn#address}). */
    public CallArguments put(int arg, memory.desc md, INDArray a) {
        return put(arg, md, OneDnn.address(a));
    }

    /** Argument {@code arg}, laid out as {@code md}, at {@code address}. */
    public CallArguments put(int arg, memory.desc md, long address) {
        assert Thread.holdsLock(OneDnn.LOCK);
        handle.at(address);
        for (int i = 0; i < args.length; i++) {
            if (args[i] == arg) {
                memories[i].set_data_handle(handle);
                return this;
            }
        }
        memory m = new memory(md, OneDnn.engine(), handle);
        m.retainReference();
        args = Arrays.copyOf(args, args.length + 1);
        memories = Arrays.copyOf(memories, memories.length + 1);
        args[args.length - 1] = arg;
        memories[memories.length - 1] = m;
        map.put(arg, m); // the map's handle shares the memory: later addresses reach it too
        return this;
    }

    /** The scratchpad argument in the shared {@link ScratchArena}, if the primitive needs one ({@code md} not null). */
    public CallArguments scratchpad(memory.desc md) {
        return md == null ? this
                : put(dnnl.DNNL_ARG_SCRATCHPAD, md, ScratchArena.address(ScratchArena.SCRATCHPAD, md.get_size()));
    }

    /** Runs {@code p} on these arguments (the caller waits on the stream). */
    public void execute(primitive p) {
        p.execute(OneDnn.stream(), map);
    }

    @Override
    public void close() {
        for (memory m : memories) {
            m.releaseReference();
        }
        memories = new memory[0];
        args = new int[0];
        map.releaseReference();
    }

    /** An address oneDNN reads as a data handle; it owns nothing. */
    private static final class Address extends Pointer {
        void at(long a) {
            address = a;
        }
    }
}
