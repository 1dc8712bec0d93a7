/**
 * `vm-rescue fleet`: plans every VM of a fleet file, rescues the planned ones with bounded
 * concurrency (one stack per VM, resumable through a fleet state file) and prints one report;
 * `fleet --shard K/N` takes a stable share of the fleet, `fleet merge` joins the shards' reports.
 */
import * as fs from "fs";
import * as path from "path";
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { defaultDeps, type RescueDeps } from "../deps";
import { confirmOrRefuse, terminalUi } from "../terminal";
import { interruptible } from "../signals";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { FLEET_CAP, FLEET_REPORT_CAP, readJsonFile } from "../../engine/readJson";
import type { FleetVm } from "../../engine/fleet/inventory";
import type { FleetEvent, FleetRunner } from "../../engine/fleet/run";
import type { FleetReport } from "../../report/fleet";

/**
 * What reads and checks the fleet's files: the inventory, the shard and the state file (no Pulumi,
 * no cloud SDK), so that a bad file is refused before the engine loads.
 */
const inputs = () => ({
  ...(require("../../engine/fleet/inventory") as typeof import("../../engine/fleet/inventory")),
  ...(require("../../engine/fleet/run") as typeof import("../../engine/fleet/run")),
});

/** The fleet engine, the simulation and the report, loaded when the command runs (`--help` starts without them). */
const impl = () => ({
  ...inputs(),
  ...(require("../../engine/fleet/simulated") as typeof import("../../engine/fleet/simulated")),
  ...(require("../../engine/fleet/live") as typeof import("../../engine/fleet/live")),
  ...(require("../../report/fleet") as typeof import("../../report/fleet")),
  ...(require("../../report") as typeof import("../../report")),
});

interface FleetOptions {
  simulate?: boolean;
  concurrency: string;
  perRegion?: string;
  perAccount?: string;
  state?: string;
  shard?: string;
  json?: boolean;
  report?: string;
  markdown?: string;
  yes?: boolean;
  dryRun?: boolean;
  swap: boolean;
  kmsGrantConfirmed?: boolean;
  retries: string;
}

const DEFAULT_STATE = "vm-rescue-fleet.state.json";

function count(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1`);
  return n;
}

/** Registers `vm-rescue fleet` and `vm-rescue fleet merge`. */
export function registerFleet(
  program: Command,
  ctx: CliContext,
  deps: RescueDeps = defaultDeps,
): void {
  const fleet = program
    .command("fleet")
    .description(
      "rescue many VMs: plan them all, then rescue with bounded concurrency, one stack per VM; resumable",
    )
    .argument(
      "[file]",
      "the VMs: a list of descriptions plan accepts, `az vm list` / Resource Graph JSON, or describe-instances JSON",
    )
    .option(
      "--simulate",
      "run against simulated clouds (without a file: a built-in mixed fleet); the simulated rescues run one at a time, the limits shape the modeled fleet time",
    )
    .option("--concurrency <n>", "rescues at once", "4")
    .option("--per-region <n>", "rescues at once in one region or zone")
    .option("--per-account <n>", "rescues at once in one subscription or account")
    .option("--shard <k/n>", "take the K-th of N stable shares of the fleet (hash of the VM id)")
    .option(
      "--state <file>",
      `the fleet state: a rerun skips the VMs it records as rescued; created when missing (default ${DEFAULT_STATE}; none with --simulate)`,
    )
    .option("--retries <n>", "attempts per VM on cloud API throttling (exponential backoff)", "5")
    .option("--json", "print the fleet report as JSON (schemas/fleet-report.schema.json)")
    .option("--report <file>", "also write the JSON report to a file")
    .option("--markdown <file>", "also write the Markdown report to a file (a job summary)")
    .option("--dry-run", "plan and report each repair; change nothing, swap nothing")
    .option("--no-swap", "repair the copies but do not swap them in")
    .option("--kms-grant-confirmed", "AWS: the deploying identity may use the roots' KMS keys")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action((file: string | undefined, opts: FleetOptions) =>
      runAction(ctx, () => runFleetCommand(ctx, file, opts, deps)),
    );
  fleet
    .command("merge")
    .description("join the reports of a fleet's shards into one report")
    .argument("<reports...>", "the shards' JSON reports (fleet --shard K/N --report <file>)")
    .option("--json", "print the merged report as JSON")
    .option("--report <file>", "also write the merged JSON report to a file")
    .option("--markdown <file>", "also write the Markdown report to a file")
    // `--json` and the files may also land on `fleet` itself (its options of the same names).
    .action((files: string[], _opts: unknown, cmd: Command) =>
      runAction(ctx, () =>
        merge(
          ctx,
          files,
          cmd.optsWithGlobals<Pick<FleetOptions, "json" | "report" | "markdown">>(),
        ),
      ),
    );
}

/**
 * The report files can be written: checked before anything is planned, so a mistyped folder is
 * refused at once (exit 2) rather than after the fleet ran.
 */
function checkOutputs(opts: Pick<FleetOptions, "report" | "markdown">): void {
  for (const [flag, file] of [
    ["--report", opts.report],
    ["--markdown", opts.markdown],
  ] as const) {
    if (file === undefined) continue;
    const dir = path.dirname(path.resolve(file));
    let why: string | null = null;
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) why = `no folder ${dir}`;
    else if (fs.existsSync(file) && fs.statSync(file).isDirectory()) why = "it is a folder";
    else
      try {
        fs.accessSync(fs.existsSync(file) ? file : dir, fs.constants.W_OK);
      } catch {
        why = "not writable";
      }
    if (why) throw new UsageError(`${flag} ${file}: cannot write the report there (${why})`);
  }
}

function print(
  ctx: CliContext,
  report: FleetReport,
  opts: Pick<FleetOptions, "json" | "report" | "markdown">,
): number {
  const json = JSON.stringify(report, null, 2);
  const markdown = impl().renderFleetMarkdown(report);
  if (opts.report) fs.writeFileSync(opts.report, json + "\n");
  if (opts.markdown) fs.writeFileSync(opts.markdown, markdown + "\n");
  ctx.io.out(opts.json ? json : markdown);
  return report.exitCode;
}

function progressLine(e: FleetEvent): string {
  switch (e.kind) {
    case "refused":
      return `fleet: ${e.vm.label}: refused by the plan: ${e.vm.summary}`;
    case "skipped":
      return `fleet: ${e.vm.label}: rescued by an earlier run, skipped`;
    case "start":
      return `fleet: ${e.label}: rescue started (stack ${e.stack})`;
    case "retry":
      return `fleet: ${e.id}: throttled (${e.message}); attempt ${e.attempt + 1} in ${impl().formatDuration(e.delayMs / 1000)}`;
    case "done":
      return e.vm.attempts === 0 && e.vm.outcome === "failed"
        ? `fleet: ${e.vm.label}: ${e.vm.summary}`
        : `fleet: ${e.vm.label}: ${e.vm.outcome}`;
  }
}

async function runFleetCommand(
  ctx: CliContext,
  file: string | undefined,
  opts: FleetOptions,
  deps: RescueDeps,
): Promise<number> {
  if (!file && !opts.simulate)
    throw new UsageError("fleet needs a file of VM descriptions (or --simulate)");
  checkOutputs(opts);
  const limits = {
    concurrency: count(opts.concurrency, "--concurrency") as number,
    perRegion: count(opts.perRegion, "--per-region"),
    perAccount: count(opts.perAccount, "--per-account"),
  };
  let shard;
  try {
    shard = opts.shard ? inputs().parseShard(opts.shard) : undefined;
  } catch (e) {
    throw new UsageError(`--shard: ${(e as Error).message}`);
  }
  // The files are read and checked before the engine loads: a bad one is refused at once.
  const listed = file ? readJsonFile(file, "the fleet", FLEET_CAP) : impl().builtInFleet();
  const inventory = inputs().readInventory(listed);
  // Entries that are no VM are refusals in a fleet that has VMs; a file with none is bad input.
  if (inventory.vms.length === 0) {
    const first = inventory.unreadable[0];
    throw new UsageError(
      `${file}: no VM in the fleet file${first ? ` (entry ${first.index}: ${first.reason})` : ""}`,
    );
  }
  const stateFile = opts.state ?? (opts.simulate ? undefined : DEFAULT_STATE);
  const choices = { dryRun: opts.dryRun, noSwap: opts.swap === false };
  const retry = { attempts: count(opts.retries, "--retries") };
  const state = stateFile ? new (inputs().FleetStateFile)(stateFile) : undefined;
  let runner: (signal: AbortSignal, stopping: AbortSignal) => FleetRunner;
  if (opts.simulate)
    runner = (_signal, stopping) =>
      impl().simulatedFleetRunner({ ...choices, now: deps.now, signal: stopping });
  else {
    const automation = deps.automation();
    const planned = impl().plannableVms(inventory.vms, {
      shard,
      kmsGrantConfirmed: opts.kmsGrantConfirmed === true,
      state,
    }).length;
    await confirmOrRefuse(
      ctx,
      deps,
      opts.yes,
      `rescue ${planned} VM${planned === 1 ? "" : "s"}${shard ? ` (shard ${shard.index}/${shard.count})` : ""}, ${limits.concurrency} at a time: create a helper per VM, repair a copy of its OS disk${choices.noSwap || choices.dryRun ? "" : " and swap it in"}`,
      automation,
    );
    runner = (signal) =>
      impl().liveFleetRunner({
        automation,
        deps,
        choices,
        kmsGrantConfirmed: opts.kmsGrantConfirmed === true,
        // Each rescue's phases and heartbeats, labelled by its VM (many run at once).
        ui: (vm: FleetVm) => terminalUi(ctx, { format: "text", label: vm.label }),
        signal,
      });
  }
  // One signal for the fleet: the rescues in flight stop after their steps in flight, no waiting
  // one starts, each finished VM is in the state file; exit 130.
  let stopped = false;
  const report = await interruptible(ctx, "the fleet", (signal, stopping) => {
    stopping.addEventListener("abort", () => (stopped = true));
    return impl().runFleet(
      inventory,
      {
        limits,
        retry,
        state,
        shard,
        startedAt: deps.now(),
        onEvent: (e) => ctx.io.err(progressLine(e)),
        signal: stopping,
      },
      runner(signal, stopping),
    );
  });
  const code = print(ctx, report, opts);
  return stopped ? ExitCode.Interrupted : code;
}

async function merge(
  ctx: CliContext,
  files: string[],
  opts: Pick<FleetOptions, "json" | "report" | "markdown">,
): Promise<number> {
  checkOutputs(opts);
  const { fleetReportProblems } =
    require("../../report/fleetSchema") as typeof import("../../report/fleetSchema");
  const reports = files.map((f) => {
    const json = readJsonFile(f, "the shard report", FLEET_REPORT_CAP);
    const problems = fleetReportProblems(json);
    if (problems.length > 0)
      throw new UsageError(`${f}: not a fleet report (fleet --report): ${problems[0]}`);
    return json as FleetReport;
  });
  let merged: FleetReport;
  try {
    merged = impl().mergeFleetReports(reports);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`fleet merge: ${e.message}`);
    throw e;
  }
  return print(ctx, merged, opts);
}
