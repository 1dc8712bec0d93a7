import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { expandDumpPaths, inspectFiles } from "../../triage";
import { renderRow } from "../../triage/render";
import { printable } from "../../evidence/printable";

interface TriageOptions {
  json?: boolean;
}

/** Registers `vm-rescue triage <file|folder>... [--json]`. */
export function registerTriage(program: Command, ctx: CliContext): void {
  program
    .command("triage")
    .description(
      "name the driver that caused a blue screen, from kernel minidumps (.dmp files or folders of them)",
    )
    .argument(
      "[paths...]",
      "minidump files, or folders whose *.dmp files are read (e.g. C:\\Windows\\Minidump)",
    )
    .option("--json", "print a JSON array, one object per dump")
    .addHelpText(
      "after",
      "\nExit codes: 0 every dump triaged; 3 some files could not be parsed (each has an error row);\n2 bad input: a path not found, a folder without .dmp files, or no file a readable minidump.",
    )
    .action((paths: string[], opts: TriageOptions) =>
      runAction(ctx, async () => triage(ctx, paths, opts)),
    );
}

function triage(ctx: CliContext, paths: string[], opts: TriageOptions): number {
  if (paths.length === 0) throw new UsageError("triage needs at least one minidump file or folder");
  const { missing, emptyFolders, files } = expandDumpPaths(paths);
  if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(", ")}`);
  if (files.length === 0) throw new UsageError(`no .dmp files in ${emptyFolders.join(", ")}`);
  const details = inspectFiles(files);
  const unparsed = details.filter((d) => d.result.error !== null);
  // Nothing triaged is bad input (exit 2), named in one line; a table is for a mix.
  if (unparsed.length === details.length) {
    const [first] = unparsed;
    const more =
      unparsed.length > 1 ? `; ${unparsed.length - 1} more could not be parsed either` : "";
    throw new UsageError(`${first.result.file}: ${first.result.error}${more}`);
  }
  ctx.io.out(
    opts.json
      ? JSON.stringify(
          details.map((d) => d.result),
          null,
          2,
        )
      : // Module and file names come from the dump: control characters and bidi overrides are
        // shown escaped so they can neither break a row nor reorder it on the terminal.
        details.map((d) => printable(renderRow(d))).join("\n"),
  );
  const failed = unparsed.length;
  if (failed > 0) {
    ctx.io.err(
      `vm-rescue: ${failed} of ${details.length} files could not be parsed: ${unparsed.map((d) => printable(d.result.file)).join(", ")}`,
    );
    return ExitCode.SomeUnparsed;
  }
  return ExitCode.Ok;
}
