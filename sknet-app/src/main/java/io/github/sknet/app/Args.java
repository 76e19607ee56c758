package io.github.sknet.app;

import java.util.Set;

import io.github.sknet.models.options.CommandLineOptions;

/** A {@code sknet} subcommand's options: errors are usage {@link CliException}s prefixed with the command. */
public final class Args extends CommandLineOptions {
    public Args(String command, String[] args, Set<String> valueOptions, Set<String> flagOptions) {
        super(args, valueOptions, flagOptions, command + ": ", "sknet " + command + " --help", CliException::usage);
    }
}
