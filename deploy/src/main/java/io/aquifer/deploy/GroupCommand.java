package io.aquifer.deploy;

import picocli.CommandLine;

/** A command that only groups subcommands: run alone, it is a usage error naming them. */
abstract class GroupCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "'"
            + spec.qualifiedName()
            + "' needs one of: "
            + String.join(", ", spec.subcommands().keySet()));
  }
}
