import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { expandDumpPaths, inspectFiles, moduleOffset, type TriageDetails } from "../../triage";

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
  ctx.io.out(
    opts.json
      ? JSON.stringify(
          details.map((d) => d.result),
          null,
          2,
        )
      : details.map(renderRow).join("\n"),
  );
  const failed = details.filter((d) => d.result.error !== null).length;
  if (failed > 0) {
    ctx.io.err(
      `vm-rescue: ${failed} of ${details.length} file${details.length === 1 ? "" : "s"} could not be parsed`,
    );
    return ExitCode.SomeUnparsed;
  }
  return ExitCode.Ok;
}

/**
 * One line per dump, with BlueScreenView's main columns: dump file, crash time, bug check string and
 * code, parameters, caused-by driver and address, crash address, OS build.
 */
export function renderRow(d: TriageDetails): string {
  const r = d.result;
  if (r.error !== null || !r.bugCheck) return `${r.file}  error: ${r.error}`;
  const time = r.crashTime
    ? r.crashTime.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC")
    : "crash time unknown";
  const bug = `${r.bugCheck.name ?? "unknown bug check"} (${r.bugCheck.code})`;
  const params = r.bugCheck.parameters.join(" ");
  const cause = r.causedBy
    ? `caused by ${r.causedBy.module} at ${r.causedBy.module}+${r.causedBy.offset} [${r.causedBy.method}]`
    : `caused by: undetermined (${d.analysis?.evidence.at(-1) ?? "no evidence"})`;
  const crash = d.analysis?.crashAddress
    ? `crash address ${moduleOffset(d.analysis.crashAddress.module, d.analysis.crashAddress.offset)}`
    : "crash address unknown";
  const os = r.os ? `build ${r.os.build} ${r.os.machine}, ${r.drivers} drivers` : "";
  return [r.file, time, bug, params, cause, crash, os].join("  ");
}
