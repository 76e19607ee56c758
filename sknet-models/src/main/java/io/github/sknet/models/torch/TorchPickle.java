package io.github.sknet.models.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately small, safe unpickler for the {@code data.pkl} that {@code torch.save(state_dict)} writes:
 * it understands only the opcodes such a pickle uses and only these globals:
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the typed storage classes
 * {@code torch.FloatStorage}, {@code DoubleStorage}, {@code HalfStorage}, {@code BFloat16Storage},
 * {@code LongStorage}, {@code IntStorage}, {@code ShortStorage}, {@code CharStorage}, {@code ByteStorage},
 * {@code BoolStorage}. Nothing is ever constructed from a class name: any other global, opcode or call is
 * refused with an error naming it.
 */
final class TorchPickle {
    /** A global reference (module, name) that passed the allow-list. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** A Python tuple. */
    record Tuple(Object[] items) {
    }

    /** A storage from a persistent id: its element type, key (file data/KEY) and element count. */
    record StorageRef(TensorDType dtype, String key, long numel) {
    }

    /** A call to torch._utils._rebuild_tensor_v2, left for the caller to realise. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static final Map<String, TensorDType> STORAGES = Map.of("FloatStorage", TensorDType.F32,
            "DoubleStorage", TensorDType.F64, "HalfStorage", TensorDType.F16, "BFloat16Storage", TensorDType.BF16,
            "LongStorage", TensorDType.I64, "IntStorage", TensorDType.I32, "ShortStorage", TensorDType.I16,
            "CharStorage", TensorDType.I8, "ByteStorage", TensorDType.U8, "BoolStorage", TensorDType.BOOL);
    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private TorchPickle(byte[] pickle) {
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Unpickles; the result holds {@link TensorRef}s where the tensors were. */
    static Object load(byte[] pickle) {
        return new TorchPickle(pickle).run();
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw new IllegalArgumentException("the pickle ends without STOP (truncated?)");
            }
            int op = in.get() & 0xff;
            try {
                if (op == '.') {
                    if (stack.size() != 1) {
                        throw new IllegalArgumentException("malformed pickle: " + stack.size() + " values at STOP");
                    }
                    return stack.get(0);
                }
                step(op);
            } catch (java.nio.BufferUnderflowException e) {
                throw new IllegalArgumentException("the pickle ends inside an opcode (truncated?)");
            }
        }
    }

    private void step(int op) {
        switch (op) {
            case 0x80: in.get(); break; // PROTO
            case 0x95: in.getLong(); break; // FRAME
            case 'c': push(global(line(), line())); break;
            case 0x93: { // STACK_GLOBAL
                String name = (String) pop();
                push(global((String) pop(), name));
                break;
            }
            case 'q': memo.put(in.get() & 0xff, top()); break; // BINPUT
            case 'r': memo.put(in.getInt(), top()); break; // LONG_BINPUT
            case 0x94: memo.put(memo.size(), top()); break; // MEMOIZE
            case 'h': push(get(in.get() & 0xff)); break; // BINGET
            case 'j': push(get(in.getInt())); break; // LONG_BINGET
            case '(': marks.add(stack.size()); stack.add(MARK); break;
            case ')': push(new Tuple(new Object[0])); break;
            case 't': push(new Tuple(popMark().toArray())); break;
            case 0x85: push(new Tuple(new Object[] {pop()})); break;
            case 0x86: { Object b = pop(); Object a = pop(); push(new Tuple(new Object[] {a, b})); break; }
            case 0x87: {
                Object c = pop(); Object b = pop(); Object a = pop();
                push(new Tuple(new Object[] {a, b, c}));
                break;
            }
            case '}': push(new LinkedHashMap<Object, Object>()); break;
            case ']': push(new ArrayList<Object>()); break;
            case 'a': { Object v = pop(); list(top()).add(v); break; }
            case 'e': { List<Object> items = popMark(); list(top()).addAll(items); break; }
            case 's': { Object v = pop(); Object k = pop(); dict(top()).put(k, v); break; }
            case 'u': {
                List<Object> items = popMark();
                Map<Object, Object> d = dict(top());
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    d.put(items.get(i), items.get(i + 1));
                }
                break;
            }
            case 'X': push(string(in.getInt())); break; // BINUNICODE
            case 0x8c: push(string(in.get() & 0xff)); break; // SHORT_BINUNICODE
            case 0x8d: push(string(Math.toIntExact(in.getLong()))); break; // BINUNICODE8
            case 'U': push(string(in.get() & 0xff)); break; // SHORT_BINSTRING
            case 'T': push(string(in.getInt())); break; // BINSTRING
            case 'J': push((long) in.getInt()); break;
            case 'K': push((long) (in.get() & 0xff)); break;
            case 'M': push((long) (in.getShort() & 0xffff)); break;
            case 0x8a: push(long1(in.get() & 0xff)); break; // LONG1
            case 'G': push(Double.longBitsToDouble(in.order(ByteOrder.BIG_ENDIAN).getLong())); in.order(ByteOrder.LITTLE_ENDIAN); break;
            case 0x88: push(Boolean.TRUE); break;
            case 0x89: push(Boolean.FALSE); break;
            case 'N': push(null); break;
            case 'Q': push(persistent(pop())); break; // BINPERSID
            case 'R': { Object args = pop(); push(reduce(pop(), args)); break; }
            case 'b': { // BUILD: only the state_dict's _metadata attribute on an OrderedDict, ignored
                Object state = pop();
                if (!(top() instanceof Map) || !(state instanceof Map || state instanceof Tuple)) {
                    throw new IllegalArgumentException("refuses BUILD on " + describe(top()));
                }
                break;
            }
            default:
                throw new IllegalArgumentException(String.format("refuses pickle opcode 0x%02x at byte %d: not one "
                        + "torch.save(state_dict) writes", op, in.position() - 1));
        }
    }

    private Global global(String module, String name) {
        boolean ok = module.equals("collections") && name.equals("OrderedDict")
                || module.equals("torch._utils") && name.equals("_rebuild_tensor_v2")
                || module.equals("torch") && STORAGES.containsKey(name);
        if (!ok) {
            throw new IllegalArgumentException("refuses to load '" + module + "." + name + "': only a state_dict of "
                    + "tensors is read (collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage)");
        }
        return new Global(module, name);
    }

    private Object reduce(Object callable, Object args) {
        if (!(callable instanceof Global) || !(args instanceof Tuple)) {
            throw new IllegalArgumentException("refuses to call " + describe(callable));
        }
        Global g = (Global) callable;
        Object[] a = ((Tuple) args).items();
        if (g.name().equals("OrderedDict")) {
            if (a.length != 0) {
                throw new IllegalArgumentException("refuses OrderedDict(...) with arguments");
            }
            return new LinkedHashMap<Object, Object>();
        }
        if (g.name().equals("_rebuild_tensor_v2")) {
            if (a.length < 4 || !(a[0] instanceof StorageRef) || !(a[1] instanceof Long)) {
                throw new IllegalArgumentException("malformed _rebuild_tensor_v2 call");
            }
            return new TensorRef((StorageRef) a[0], (Long) a[1], longs(a[2]), longs(a[3]));
        }
        throw new IllegalArgumentException("refuses to call " + g);
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof Tuple) || ((Tuple) pid).items().length != 5 || !"storage".equals(((Tuple) pid).items()[0])) {
            throw new IllegalArgumentException("refuses persistent id " + describe(pid) + ": expected ('storage', "
                    + "torch.<Type>Storage, key, location, size)");
        }
        Object[] p = ((Tuple) pid).items();
        if (!(p[1] instanceof Global) || !STORAGES.containsKey(((Global) p[1]).name()) || !(p[2] instanceof String)
                || !(p[4] instanceof Long)) {
            throw new IllegalArgumentException("malformed storage persistent id " + describe(pid));
        }
        return new StorageRef(STORAGES.get(((Global) p[1]).name()), (String) p[2], (Long) p[4]);
    }

    private static long[] longs(Object tuple) {
        if (!(tuple instanceof Tuple)) {
            throw new IllegalArgumentException("expected a tuple of ints, got " + describe(tuple));
        }
        Object[] items = ((Tuple) tuple).items();
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!(items[i] instanceof Long)) {
                throw new IllegalArgumentException("expected a tuple of ints, got " + describe(tuple));
            }
            out[i] = (Long) items[i];
        }
        return out;
    }

    private long long1(int n) {
        if (n > 8) {
            throw new IllegalArgumentException("refuses an integer of " + n + " bytes");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (in.get() & 0xff) << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return sb.toString();
            }
            sb.append((char) (b & 0xff));
        }
    }

    private String string(int n) {
        if (n < 0 || n > in.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object get(int key) {
        if (!memo.containsKey(key)) {
            throw new IllegalArgumentException("malformed pickle: memo " + key + " read before it is written");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object top() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw new IllegalArgumentException("malformed pickle: empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private Object pop() {
        Object o = top();
        stack.remove(stack.size() - 1);
        return o;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new IllegalArgumentException("malformed pickle: no MARK");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (!(o instanceof List)) {
            throw new IllegalArgumentException("malformed pickle: APPEND to " + describe(o));
        }
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("malformed pickle: SETITEM on " + describe(o));
        }
        return (Map<Object, Object>) o;
    }

    static String describe(Object o) {
        if (o instanceof Tuple) {
            return "tuple" + Arrays.deepToString(((Tuple) o).items());
        }
        return o == null ? "None" : o instanceof String ? "'" + o + "'" : o.getClass().getSimpleName() + " " + o;
    }
}
