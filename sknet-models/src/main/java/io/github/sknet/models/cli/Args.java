package io.github.sknet.models.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and {@code --flag}s of one subcommand; anything undeclared is a usage error. */
final class Args {
    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    Args(String command, String[] args, Set<String> valueOptions, Set<String> flagOptions) {
        this.command = command;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flagOptions.contains(a)) {
                flags.add(a);
            } else if (valueOptions.contains(a)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw CliException.usage(command + ": " + a + " needs a value");
                }
                values.put(a, args[++i]);
            } else {
                throw CliException.usage(command + ": unknown option '" + a + "' (see sknet " + command + " --help)");
            }
        }
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw CliException.usage(command + ": " + name + " is required");
        }
        return v;
    }

    Path path(String name) {
        return Path.of(required(name));
    }

    int integer(String name, int dflt, int min) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw CliException.usage(command + ": " + name + " must be an integer, got '" + v + "'");
        }
        if (n < min) {
            throw CliException.usage(command + ": " + name + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    double decimal(String name, double dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw CliException.usage(command + ": " + name + " must be a positive number, got '" + v + "'");
        }
    }
}
