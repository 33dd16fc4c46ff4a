/**
 * Shell completion scripts for bash, zsh and fish, generated from the command tree
 * (`iggy --generate bash`): command and alias names at each level, then the command's options.
 * @module
 */

import type { Command, Option } from "commander";

/** The shells {@linkcode completionScript} supports. */
export const SHELLS: readonly string[] = ["bash", "zsh", "fish"];

interface Node {
  path: string;
  command: Command;
}

function walk(command: Command, path = ""): Node[] {
  const nodes: Node[] = [{ path, command }];
  for (const sub of command.commands) {
    nodes.push(
      ...walk(sub, path === "" ? sub.name() : `${path} ${sub.name()}`),
    );
  }
  return nodes;
}

function optionFlags(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.short, o.long]).filter((f): f is string =>
    f !== undefined
  );
}

function words(command: Command): string[] {
  return [
    ...command.commands.flatMap((c) => [c.name(), ...c.aliases()]),
    ...optionFlags(command.options),
    "--help",
  ];
}

/**
 * Generates a completion script.
 *
 * @param program The root command.
 * @param shell `bash`, `zsh` or `fish`.
 * @returns The script (source it, or save it where the shell loads completions).
 * @throws {RangeError} For another shell.
 */
export function completionScript(program: Command, shell: string): string {
  const bin = program.name();
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, "_")}_complete`;
  const nodes = walk(program);
  if (shell === "bash" || shell === "zsh") {
    const steps: string[] = [];
    for (const node of nodes) {
      for (const sub of node.command.commands) {
        const target = node.path === ""
          ? sub.name()
          : `${node.path} ${sub.name()}`;
        const names = [sub.name(), ...sub.aliases()]
          .map((n) => `"${node.path}/${n}"`).join("|");
        steps.push(`      ${names}) path="${target}" ;;`);
      }
    }
    const cases = nodes.map((node) =>
      `    "${node.path}") words="${words(node.command).join(" ")}" ;;`
    );
    const script = [
      `# ${bin} completion for ${shell}: source <(${bin} --generate ${shell})`,
      ...(shell === "zsh"
        ? ["autoload -U +X bashcompinit && bashcompinit"]
        : []),
      `${fn}() {`,
      `  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" words="" i w`,
      `  for ((i = 1; i < COMP_CWORD; i++)); do`,
      `    w="\${COMP_WORDS[i]}"`,
      `    case "$path/$w" in`,
      ...steps,
      `    esac`,
      `  done`,
      `  case "$path" in`,
      ...cases,
      `  esac`,
      `  COMPREPLY=($(compgen -W "$words" -- "$cur"))`,
      `}`,
      `complete -F ${fn} ${bin}`,
      "",
    ];
    return script.join("\n");
  }
  if (shell === "fish") {
    const lines = [
      `# ${bin} completion for fish: ${bin} --generate fish | source`,
    ];
    lines.push(`complete -c ${bin} -f`);
    for (const node of nodes) {
      const depth = node.path === "" ? 0 : node.path.split(" ").length;
      const chain = node.path === "" ? [] : node.path.split(" ");
      // Aliases at each level of the chain.
      const conditions: string[] = [];
      let current: Command = program;
      for (const name of chain) {
        const sub = current.commands.find((c) => c.name() === name)!;
        conditions.push(
          `__fish_seen_subcommand_from ${
            [sub.name(), ...sub.aliases()].join(" ")
          }`,
        );
        current = sub;
      }
      const children = node.command.commands.flatMap((c) => [
        c.name(),
        ...c.aliases(),
      ]);
      if (children.length > 0) {
        conditions.push(
          `not __fish_seen_subcommand_from ${children.join(" ")}`,
        );
      }
      const condition = depth === 0 && children.length > 0
        ? `not __fish_seen_subcommand_from ${children.join(" ")}`
        : conditions.join("; and ");
      for (const sub of node.command.commands) {
        lines.push(
          `complete -c ${bin} -n '${condition}' -a '${sub.name()}' -d '${
            sub.description().replaceAll("'", "\\'")
          }'`,
        );
      }
      for (const option of node.command.options) {
        const parts = [`complete -c ${bin} -n '${condition}'`];
        if (option.short) parts.push(`-s ${option.short.slice(1)}`);
        if (option.long) parts.push(`-l ${option.long.slice(2)}`);
        if (option.required || option.optional) parts.push("-r");
        parts.push(`-d '${option.description.replaceAll("'", "\\'")}'`);
        lines.push(parts.join(" "));
      }
    }
    return lines.join("\n") + "\n";
  }
  throw new RangeError(
    `Unknown shell "${shell}": expected one of ${SHELLS.join(", ")}`,
  );
}
