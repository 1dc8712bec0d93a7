import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { checkTargetOf, readCheckTarget } from "../../engine/checkTarget";
import {
  compileDecision,
  decideRescue,
  type CompileHives,
  type RescueDecision,
} from "../../repair/decide";
import { planSourceOf, type PlanSource } from "../../engine/planSource";
import { PlanError } from "../../vocabulary/errors";
import { REPAIR_ACTIONS, type RepairActionName } from "../../vocabulary/repairActions";
import { EmbedError } from "../../guest/embed";
import type { RepairParams } from "../../guest/params.generated";
import { withDumps } from "../../engine/handDumps";
import type { CompiledRepair } from "../../repair/operations";

/**
 * The hive readers and the operations' encoder (ajv's code compiled ahead), loaded when the
 * command runs.
 */
const impl = () => ({
  ...(require("../../evidence/hive") as typeof import("../../evidence/hive")),
  ...(require("../../evidence/bcd") as typeof import("../../evidence/bcd")),
  ...(require("../../repair/operations") as typeof import("../../repair/operations")),
});
import { readCapped, type ReadCap } from "../../engine/readJson";
import { MAX_HIVE_BYTES } from "../../evidence/hive/limits";

/** A SYSTEM hive or BCD store copied from the disk: tens of MiB at most, never a whole disk. */
const HIVE_CAP: ReadCap = {
  maxBytes: MAX_HIVE_BYTES,
  hint: "give the hive file (Windows\\System32\\config\\SYSTEM, Boot\\BCD), not a disk image",
};

interface PlanRepairOptions {
  cloud?: string;
  instanceType?: string;
  hostBuild?: string;
  driver?: string;
  actions?: string;
  dryRun?: boolean;
  dumps?: string;
  diskNumber?: string;
  diskController?: string;
  json?: boolean;
  systemHive?: string;
  bcd?: string;
  imageBuild?: string;
  helperBuild?: string;
  repairSource?: string;
}

/**
 * Registers `vm-rescue plan-repair`: the decision the rescue makes inside `pulumi up`, for a collect
 * output in hand — e.g. on-premises Hyper-V, where collect.ps1 and repair.ps1 run on the host against
 * a mounted VHDX copy. Prints the triage, the findings, each chosen action with its reason, and the
 * exact repair.ps1 command line with its validated parameters.
 */
export function registerPlanRepair(program: Command, ctx: CliContext): void {
  program
    .command("plan-repair")
    .description(
      "decide the offline repair from a collect output and print the repair.ps1 command line (by hand, on-premises Hyper-V)",
    )
    .argument(
      "<evidence>",
      "the document collect.ps1 printed, its manifest (the shipped files next to it), or an evidence folder",
    )
    .option(
      "--cloud <cloud>",
      "where the disk will boot: azure | aws | hyperv (default: from the guest components on the disk)",
    )
    .option("--instance-type <type>", "AWS: the instance type the disk will boot on")
    .option("--host-build <n>", "Hyper-V: build number of the host")
    .option("--driver <name>", "force the culprit (service or driver file name on the disk)")
    .option(
      "--actions <list>",
      `replace the automatic choice, comma-separated: ${REPAIR_ACTIONS.join(", ")}`,
    )
    .option("--dry-run", "repair.ps1 reports what it would do and changes nothing")
    .option(
      "--dumps <folder>",
      "minidumps copied by hand, for dumps collect.ps1 left out over its size cap: their folder (it must hold a .dmp file) or one .dmp file, each a kernel minidump",
    )
    .option(
      "--disk-number <n>",
      "pin repair.ps1 to this disk (Get-Disk number); default: repair.ps1 finds the attached Windows disk itself",
    )
    .option(
      "--system-hive <file>",
      "the disk's SYSTEM hive: the plan is compiled into the operations repair.ps1 executes (-Operations)",
    )
    .option("--bcd <file>", "the disk's BCD store, for SetSafeBoot, ClearSafeBoot and EnableEms")
    .option("--image-build <n>", "the image's Windows build (default: the collect's os.build)")
    .option(
      "--helper-build <n>",
      "the helper's Windows build: DISM/SFC are refused when it is older than the image",
    )
    .option(
      "--repair-source <source>",
      "DismRestoreHealth's source matching the image: wim:<path>:<index>, esd:<path>:<index> or a folder",
    )
    .option(
      "--disk-controller <scsi|nvme>",
      "the controller the disk will boot on (nvme after a SCSI→NVMe move)",
    )
    .option("--json", "print one JSON object")
    .action((file: string, opts: PlanRepairOptions) =>
      runAction(ctx, async () => planRepairCommand(ctx, file, opts, await planSourceOf(file))),
    );
}

function planRepairCommand(
  ctx: CliContext,
  file: string,
  opts: PlanRepairOptions,
  source: PlanSource,
): number {
  const target = source.collect ? checkTargetOf(source.collect, opts) : readCheckTarget(file, opts);
  const hives = readHiveFiles(opts, source);
  const diskNumber = opts.diskNumber === undefined ? undefined : parseDiskNumber(opts.diskNumber);
  const withDumpsAdded = opts.dumps ? withDumps(target.collect, opts.dumps) : target.collect;
  const collect =
    diskNumber === undefined
      ? withDumpsAdded
      : { ...withDumpsAdded, target: { ...withDumpsAdded.target, diskNumber } };
  const actions = opts.actions
    ?.split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const unknown = actions?.filter((a) => !(REPAIR_ACTIONS as readonly string[]).includes(a)) ?? [];
  if (unknown.length > 0)
    throw new UsageError(
      `unknown repair action ${unknown.join(", ")}; known: ${REPAIR_ACTIONS.join(", ")}`,
    );
  const controller = opts.diskController?.trim().toLowerCase();
  if (controller !== undefined && controller !== "scsi" && controller !== "nvme")
    throw new UsageError(
      `--disk-controller must be scsi or nvme, got ${JSON.stringify(opts.diskController)}`,
    );
  let decided: RescueDecision;
  try {
    decided = decideRescue({
      collect,
      cloud: target.cloud,
      instanceType: target.instanceType,
      hostBuild: target.hostBuild,
      options: {
        driver: opts.driver,
        actions: actions as RepairActionName[] | undefined,
        dryRun: opts.dryRun,
        ...(controller ? { diskController: controller } : {}),
      },
      // Disk numbers change between mounts (and several VHDX may be mounted on a Hyper-V host):
      // the collect's number is not reused; --disk-number pins one explicitly.
      pinDiskNumber: diskNumber !== undefined,
    });
  } catch (e) {
    if (e instanceof PlanError || e instanceof EmbedError) throw new UsageError(e.message);
    throw e;
  }
  // A build of 0 is one the evidence did not hold (no readable SOFTWARE hive): unknown, not old.
  const operations = compileOperations(decided, opts, hives, collect.os.build || null, source);
  const command = decided.repairParams
    ? repairCommandLine(
        operations
          ? { ...decided.repairParams, Operations: impl().encodeOperations(operations) }
          : decided.repairParams,
      )
    : null;
  if (opts.json) {
    ctx.io.out(
      JSON.stringify(
        {
          cloud: target.cloud,
          triage: decided.triage,
          findings: decided.findings,
          blocked: decided.blocked,
          culprit: decided.repair.culprit,
          decisions: decided.repair.decisions,
          plan: decided.repair.plan,
          undo: decided.repair.undo,
          playbooks: decided.repair.playbooks,
          repairParams: decided.repairParams,
          operations,
          command,
        },
        null,
        2,
      ),
    );
  } else {
    ctx.io.out(renderDecision(decided, command, operations));
  }
  return decided.blocked ? ExitCode.Blocked : ExitCode.Ok;
}

function parseBuild(option: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d{1,6}$/.test(text.trim()) || Number(text) === 0)
    throw new UsageError(
      `${option} must be a Windows build number (e.g. 17763), got ${JSON.stringify(text)}`,
    );
  return Number(text);
}

/**
 * The plan compiled against the disk's own hives into repair.ps1's operations; null without
 * --system-hive (or when the planner chose nothing).
 */
interface HiveFiles {
  system: Buffer | null;
  bcd: Buffer | null;
}

/**
 * The hive files named on the command line, read before anything is decided: a missing or
 * unreadable one is refused in one line naming its option even when the plan would not use it.
 */
function readHiveFiles(opts: PlanRepairOptions, source: PlanSource): HiveFiles {
  if (opts.bcd !== undefined && opts.systemHive === undefined && !source.hives)
    throw new UsageError(`--bcd ${opts.bcd} is read with the SYSTEM hive: give --system-hive too`);
  return {
    system:
      opts.systemHive === undefined ? null : readCapped(opts.systemHive, "--system-hive", HIVE_CAP),
    bcd: opts.bcd === undefined ? null : readCapped(opts.bcd, "--bcd", HIVE_CAP),
  };
}

function compileOperations(
  decided: RescueDecision,
  opts: PlanRepairOptions,
  hives: HiveFiles,
  collectedBuild: number | null | undefined,
  source: PlanSource,
): CompiledRepair | null {
  if (decided.nothingToRepair) return null;
  const read = (bytes: Buffer, flag: string, file: string, label: string) => {
    try {
      return impl().openHive(bytes, { label });
    } catch (e) {
      throw new UsageError(`${flag} file ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  // An evidence folder or a collect manifest brings its own hives; --system-hive/--bcd replace them.
  const system =
    hives.system === null
      ? (source.hives?.system ?? null)
      : read(hives.system, "--system-hive", opts.systemHive as string, "SYSTEM");
  if (system === null) return null;
  const bcd =
    hives.bcd === null
      ? (source.hives?.bcd ?? null)
      : impl().decodeBcd(read(hives.bcd, "--bcd", opts.bcd as string, "BCD"), {
          file: opts.bcd as string,
        });
  return compileWith(decided, opts, collectedBuild, { system, bcd }, source);
}

function compileWith(
  decided: RescueDecision,
  opts: PlanRepairOptions,
  collectedBuild: number | null | undefined,
  hives: CompileHives,
  source: PlanSource,
): CompiledRepair {
  // The same compile as the clouds' decision (src/repair/decide.ts): what is printed is what is sent.
  const compiled = compileDecision(decided, hives, {
    imageBuild: parseBuild("--image-build", opts.imageBuild) ?? collectedBuild ?? null,
    helperBuild: parseBuild("--helper-build", opts.helperBuild) ?? source.helperBuild,
    repairSource: opts.repairSource ?? null,
  });
  if (compiled.operations === null)
    throw new UsageError(compiled.compileError ?? compiled.reason ?? "the plan was not compiled");
  return compiled.operations;
}

function parseDiskNumber(text: string): number {
  if (!/^\d{1,4}$/.test(text.trim()) || Number(text) > 1023)
    throw new UsageError(
      `--disk-number must be a disk number 0..1023, got ${JSON.stringify(text)}`,
    );
  return Number(text);
}

/**
 * repair.ps1's command line. Every value already matched the script's own ValidatePattern /
 * ValidateSet (no quote, space or `$` can occur), and is single-quoted all the same.
 */
export function repairCommandLine(p: RepairParams): string {
  const parts = [".\\repair.ps1"];
  for (const [name, value] of Object.entries(p)) {
    if (value === undefined) continue;
    if (typeof value === "boolean") {
      if (value) parts.push(`-${name}`);
    } else if (Array.isArray(value)) {
      if (value.length > 0) parts.push(`-${name} ${value.map((v) => `'${v}'`).join(",")}`);
    } else if (typeof value === "number") {
      parts.push(`-${name} ${value}`);
    } else {
      parts.push(`-${name} '${value}'`);
    }
  }
  return parts.join(" ");
}

function operationLine(o: CompiledRepair["operations"][number], i: number): string {
  const show = (v: unknown) => (v === null ? "(absent)" : JSON.stringify(v));
  const cas =
    o.op === "setValue" || o.op === "setElement"
      ? `: expected ${show(o.expected)}, set ${show(o.value)}`
      : "";
  return `  ${i + 1}. [${o.phase}] ${o.op} ${o.target}${cas}`;
}

function renderDecision(
  d: RescueDecision,
  command: string | null,
  operations: CompiledRepair | null = null,
): string {
  const L: string[] = ["Triage:"];
  if (d.triage.length === 0) L.push("  no minidump on the disk");
  for (const t of d.triage) {
    L.push(
      t.error
        ? `  ${t.file}: ${t.error}`
        : `  ${t.file}: ${t.bugCheck?.code} ${t.bugCheck?.name ?? ""} at ${t.crashTime ?? "?"}, caused by ${t.causedBy ? `${t.causedBy.module}+${t.causedBy.offset} (${t.causedBy.method})` : "unknown"}`,
    );
  }
  L.push("", `Guest drivers: ${d.findingsSummary || "no finding"}`);
  for (const f of d.findings) L.push(`  ${f.severity.toUpperCase()} ${f.component}: ${f.reason}`);
  L.push("", "Repair:");
  for (const x of d.repair.decisions) L.push(`  ${x.action}: ${x.reason}`);
  if (d.repair.undo.length > 0) {
    L.push("", "Undo (last action first):");
    for (const u of d.repair.undo) L.push(`  ${u.action}: ${u.how}`);
  }
  if (operations) {
    L.push("", `Operations (${operations.controlSet}, plan ${operations.id}):`);
    operations.operations.forEach((o, i) => L.push(operationLine(o, i)));
    for (const n of operations.notes) L.push(`  note: ${n}`);
  }
  L.push(
    "",
    command
      ? `Run on the helper (or the Hyper-V host) with the disk attached:\n  ${command}`
      : "Nothing to run: the planner chose no action.",
  );
  if (d.blocked)
    L.push(
      "",
      "The guest-driver check blocks booting this disk where it is going: do not swap it back before fixing the findings above.",
    );
  return L.join("\n");
}
