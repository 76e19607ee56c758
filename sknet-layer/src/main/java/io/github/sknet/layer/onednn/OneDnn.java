package io.github.sknet.layer.onednn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The oneDNN CPU engine and stream (Java binding org.bytedeco:dnnl, the oneDNN line PyTorch's CPU
 * kernels come from), shared by the accelerated helpers. Set {@code -Dsknet.onednn=false} to force the
 * ND4J fallbacks everywhere.
 */
public final class OneDnn {
    private static final engine ENGINE;
    private static final stream STREAM;
    private static final Throwable LOAD_ERROR;
    /**
     * Held while any oneDNN primitive runs: the stream above and each geometry's staging scratch are
     * shared. oneDNN parallelises every primitive over all cores itself, so serialising them costs little.
     */
    public static final Object LOCK = new Object();
    /** oneDNN reads host memory: only the CPU backend's arrays live there. */
    private static final boolean CPU_BACKEND = "CPU".equalsIgnoreCase(
            Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
    private static final boolean ENABLED = !"false".equals(System.getProperty("sknet.onednn"));

    static {
        engine eng = null;
        stream str = null;
        Throwable err = null;
        try {
            Loader.load(dnnl.class);
            eng = new engine(engine.kind.cpu, 0);
            str = new stream(eng);
        } catch (Throwable t) {
            err = t;
        }
        ENGINE = eng;
        STREAM = str;
        LOAD_ERROR = err;
    }

    private OneDnn() {
    }

    /** oneDNN loaded, the CPU backend, and not switched off with {@code -Dsknet.onednn=false} (read once). */
    public static boolean isAvailable() {
        return ENGINE != null && CPU_BACKEND && ENABLED;
    }

    /** Whether ND4J runs on the CPU (nd4j-native), where the heap and BLAS helpers apply. */
    public static boolean cpuBackend() {
        return CPU_BACKEND;
    }

    /** Whether an array can be handed to oneDNN as it is: float32 and {@link #dense}. */
    public static boolean fits(INDArray a) {
        return isAvailable() && a.dataType() == DataType.FLOAT && dense(a);
    }

    /**
     * Whether the array's elements are its buffer's, in c order with nothing between them. A view can be:
     * DL4J's parameters are such views of one flat array, and copying them before every call cost a full
     * pass over the weights.
     */
    public static boolean dense(INDArray a) {
        // a vector's elements lie in one order whatever its ordering flag says
        return (a.ordering() == 'c' || a.isVector()) && a.elementWiseStride() == 1 && a.data().length() == a.length();
    }

    /** ReLU without threshold, cap or slope: max(z, 0), what oneDNN's eltwise_relu (post-op or fused flag) computes. */
    public static boolean isPlainRelu(IActivation afn) {
        return afn instanceof ActivationReLU && afn.equals(new ActivationReLU());
    }

    public static String loadError() {
        if (!CPU_BACKEND) {
            return "not the CPU backend";
        }
        return LOAD_ERROR == null ? "none" : LOAD_ERROR.toString();
    }

    public static engine engine() {
        return ENGINE;
    }

    public static stream stream() {
        return STREAM;
    }

    /**
     * Attributes for every primitive: a user-managed scratchpad. oneDNN's default, library-managed one is
     * a thread-local buffer of the thread that created the primitive (this build has no
     * DNNL_ENABLE_CONCURRENT_EXEC); run from another thread (Spark's executors, ParallelWrapper) the
     * primitive found no buffer and crashed in libdnnl's im2col.
     */
    public static primitive_attr attr() {
        primitive_attr a = new primitive_attr();
        a.set_scratchpad_mode(dnnl.scratchpad_mode.user);
        return a;
    }

    /** Whether oneDNN chose a real kernel for {@code pd}, not its reference one (far slower than ND4J's ops). */
    public static boolean fastKernel(primitive_desc_base pd) {
        return !pd.impl_info_str().getString().startsWith("ref");
    }

    /** The scratchpad a primitive built with {@link #attr()} needs, or null if it needs none. */
    public static memory.desc scratchpad(primitive_desc_base pd) {
        memory.desc md = pd.scratchpad_desc();
        return md.get_size() == 0 ? null : md;
    }

    /** The address of the array's first element, for oneDNN to read or write in place (no copy). */
    public static long address(INDArray a) {
        if (!dense(a) || a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("oneDNN needs dense c-ordered float32 arrays, got "
                    + a.shapeInfoToString());
        }
        return start(a);
    }

    /** Where the array's buffer starts, whatever its type (a byte workspace, say): no check of its layout. */
    public static long start(INDArray a) {
        Pointer p = a.data().addressPointer();
        return p.address() + p.position() * p.sizeof();
    }
}
