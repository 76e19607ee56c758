package io.github.sknet.models.options;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code --name value} options and {@code --flag}s of one command line; anything undeclared, and any option
 * given twice, is an error, raised as the exception the caller's {@code error} function makes (a usage
 * exception of the {@code sknet} command, an {@code IllegalArgumentException} of the Spark entry point).
 * Knows no command: the caller gives the message prefix and where an unknown option's message points.
 */
public class CommandLineOptions {
    private final String prefix;
    private final Function<String, RuntimeException> error;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    /**
     * @param prefix   put before every error message (may be empty)
     * @param helpHint what an unknown option's message points to, e.g. "--help"
     * @param error    turns a message into the exception thrown
     */
    public CommandLineOptions(String[] args, Set<String> valueOptions, Set<String> flagOptions, String prefix, String helpHint,
                Function<String, RuntimeException> error) {
        this.prefix = prefix;
        this.error = error;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flagOptions.contains(a)) {
                if (!flags.add(a)) {
                    throw fail(a + " given twice");
                }
            } else if (valueOptions.contains(a)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw fail(a + " needs a value");
                }
                if (values.containsKey(a)) {
                    throw fail(a + " given twice ('" + values.get(a) + "' and '" + args[i + 1] + "')");
                }
                values.put(a, args[++i]);
            } else {
                throw fail("unknown option '" + a + "' (see " + helpHint + ")");
            }
        }
    }

    private RuntimeException fail(String message) {
        return error.apply(prefix + message);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw fail(name + " is required");
        }
        return v;
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    public int integer(String name, int dflt, int min) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw fail(name + " must be an integer, got '" + v + "'");
        }
        if (n < min) {
            throw fail(name + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    /** A finite number > 0. */
    public double decimal(String name, double dflt) {
        return number(name, dflt, false);
    }

    /** A finite number >= 0 (weight decay, label smoothing, a probability). */
    public double nonNegative(String name, double dflt) {
        return number(name, dflt, true);
    }

    private double number(String name, double dflt, boolean zeroAllowed) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw fail(name + " must be a number, got '" + v + "'");
        }
        if (!(zeroAllowed ? d >= 0 : d > 0) || Double.isInfinite(d)) {
            throw fail(name + " must be " + (zeroAllowed ? ">= 0" : "> 0") + ", got " + v);
        }
        return d;
    }
}
