import * as readline from "node:readline";
import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../exit";
import { readJsonFile } from "../readJson";
import { Automation, firstLine, localAutomation, PulumiCliMissing, RescueStack, StreamOptions } from "../automation";
import { PlanError } from "../../planner/errors";
import { asAzureVmDescription, AzureNicDescription } from "../../planner/azureVm";
import { REPAIR_ACTIONS } from "../../scripts/contract";
import { rescueIdFromStack, SETTINGS } from "../../program";
import { UnknownSettingError } from "../../simulate/plan";
import { rescueSettings, simulateRescue } from "../../simulate/rescue";
import { buildReport, renderMarkdown, RescueOutcome } from "../../report";
import { outcomeFromOutputs } from "../../report/fromOutputs";
import { TimelineRecorder } from "../../report/timeline";

export interface RescueOptions {
  cloud: string;
  resourceGroup?: string;
  vm?: string;
  instanceId?: string;
  region?: string;
  driver?: string;
  actions?: string;
  dryRun?: boolean;
  swap: boolean;
  yes?: boolean;
  json?: boolean;
  simulate?: boolean;
  stack?: string;
  azureVm?: string;
  nic?: string;
}

/** What the flows need from the outside world; tests pass fakes. */
export interface RescueDeps {
  automation(): Automation;
  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
  now(): Date;
}

export const defaultDeps: RescueDeps = {
  automation: localAutomation,
  confirm: (question) =>
    new Promise((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      rl.question(`${question} [y/N] `, (answer) => {
        rl.close();
        resolve(/^y(es)?$/i.test(answer.trim()));
      });
    }),
  now: () => new Date(),
};

const DEFAULT_VM = "examples/azure-vm.json";
const DEFAULT_NIC = "examples/azure-nic.json";

/** Registers `vm-rescue rescue`: up → report → destroy through the Automation API (or simulated). */
export function registerRescue(program: Command, ctx: CliContext, deps: RescueDeps = defaultDeps): void {
  program
    .command("rescue")
    .description("rescue a VM in one go: snapshot, copy, helper, triage, repair, swap, verify, teardown; prints the report")
    .option("--cloud <cloud>", "azure or aws", "azure")
    .option("--resource-group <rg>", "Azure: resource group of the broken VM")
    .option("--vm <name>", "Azure: name of the broken VM")
    .option("--instance-id <id>", "AWS: instance id of the broken VM (i-...)")
    .option("--region <region>", "AWS: region of the instance")
    .option("--driver <name>", "force the culprit (service or driver file name)")
    .option("--actions <a,b>", `repair actions instead of the automatic choice (${REPAIR_ACTIONS.join(", ")})`)
    .option("--dry-run", "plan and report the repair; change nothing, swap nothing")
    .option("--no-swap", "repair the copy but do not swap it in")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .option("--json", "print the report as JSON (schemas/report.schema.json)")
    .option("--simulate", "run the same chain against a simulated cloud (no Pulumi CLI, no credentials)")
    .option("--azure-vm <file>", "with --simulate: the VM as `az vm show -o json` prints it", DEFAULT_VM)
    .option("--nic <file>", "with --simulate: its primary NIC (`az network nic show -o json`)", DEFAULT_NIC)
    .option("--stack <name>", "the incident's stack (default <vm>-rescue)")
    .action((opts: RescueOptions) => runAction(ctx, () => rescue(ctx, opts, deps)));
}

function parseActions(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(",").map((a) => a.trim()).filter((a) => a !== "");
  const known = new Set<string>(REPAIR_ACTIONS);
  const bad = list.filter((a) => !known.has(a));
  if (list.length === 0 || bad.length > 0) throw new UsageError(`--actions: unknown action ${JSON.stringify(bad[0] ?? text)}; known: ${REPAIR_ACTIONS.join(", ")}`);
  return list;
}

/** Which VM, checked; throws UsageError. */
export function targetOf(opts: Pick<RescueOptions, "cloud" | "resourceGroup" | "vm" | "instanceId" | "simulate">, command: string): { resourceGroup: string; vm: string } {
  if (opts.cloud === "aws") {
    if (!SETTINGS.some((s) => s.clouds.includes("aws") && s.key === "instanceId")) {
      throw new UsageError(`${command} --cloud aws is not available in this version yet (the AWS program has not landed); use --cloud azure`);
    }
    throw new UsageError(`${command} --cloud aws: the AWS flow is not wired into this command yet; use pulumi up with cloud=aws`);
  }
  if (opts.cloud !== "azure") throw new UsageError(`--cloud must be azure or aws, not ${JSON.stringify(opts.cloud)}`);
  if (opts.simulate) return { resourceGroup: opts.resourceGroup ?? "", vm: opts.vm ?? "" };
  if (!opts.resourceGroup || !opts.vm) throw new UsageError(`${command} --cloud azure needs --resource-group <rg> and --vm <name>`);
  return { resourceGroup: opts.resourceGroup, vm: opts.vm };
}

/**
 * Refuses without --yes off a terminal, then checks for the Pulumi CLI, then asks on a terminal.
 * Throws UsageError (exit 2) for each; nothing has run yet.
 */
export async function confirmOrRefuse(ctx: CliContext, deps: RescueDeps, yes: boolean | undefined, what: string, automation: Automation): Promise<void> {
  if (!yes && !ctx.io.isTty) throw new UsageError(`refusing to ${what} without --yes when not on a terminal`);
  await requireCli(automation);
  if (!yes && !(await deps.confirm(`This will ${what}. Continue?`))) throw new UsageError("not confirmed; nothing was done");
}

/** Finds the CLI before anything runs; a missing CLI is one line and exit 2. */
export async function requireCli(automation: Automation): Promise<void> {
  try {
    await automation.findCli();
  } catch (e) {
    if (e instanceof PulumiCliMissing) throw new UsageError(e.message);
    throw e;
  }
}

/** Streams one line per finished resource step; a spinner line on a terminal. */
export function progress(ctx: CliContext, recorder: TimelineRecorder, write: ((s: string) => void) | null): StreamOptions & { stop(): void } {
  let shown = false;
  const clear = () => {
    if (write && shown) write("\r\x1b[2K");
    shown = false;
  };
  const frames = "|/-\\";
  let frame = 0;
  return {
    onEvent(e) {
      const u = recorder.push(e);
      if (u.line) {
        clear();
        ctx.io.err(u.line);
      }
      if (write && u.running.length > 0) {
        clear();
        write(`${frames[frame++ % frames.length]} ${u.running.length} running: ${u.running[u.running.length - 1]}`);
        shown = true;
      }
    },
    stop: clear,
  };
}

/** Runs a stack operation; returns the error line instead of throwing. */
async function attempt<T>(f: () => Promise<T>): Promise<{ value: T | null; error: string | null }> {
  try {
    return { value: await f(), error: null };
  } catch (e) {
    return { value: null, error: firstLine(e) };
  }
}

async function rescue(ctx: CliContext, opts: RescueOptions, deps: RescueDeps): Promise<number> {
  const target = targetOf(opts, "rescue");
  const actions = parseActions(opts.actions);
  const noSwap = opts.swap === false;
  let outcome: RescueOutcome;
  try {
    if (opts.simulate) {
      const vm = asAzureVmDescription(readJsonFile(opts.azureVm ?? DEFAULT_VM, "--azure-vm"));
      const nic = opts.nic ? (readJsonFile(opts.nic, "--nic") as AzureNicDescription) : null;
      outcome = await simulateRescue({ vm, nic, stack: opts.stack, driver: opts.driver, actions, dryRun: opts.dryRun, noSwap, startedAt: deps.now() });
    } else {
      const settings = rescueSettings({ resourceGroup: target.resourceGroup, vmName: target.vm, driver: opts.driver, actions, dryRun: opts.dryRun, noSwap });
      const stackName = opts.stack ?? rescueIdFromStack(`${target.vm}-rescue`);
      const automation = deps.automation();
      await confirmOrRefuse(ctx, deps, opts.yes, `rescue VM ${target.resourceGroup}/${target.vm} (stack ${stackName}): create a helper VM, repair a copy of its OS disk${noSwap || opts.dryRun ? "" : " and swap it in"}`, automation);
      outcome = await liveRescue(ctx, automation, deps, stackName, settings, { ...target, dryRun: opts.dryRun === true, swapRequested: !noSwap && !opts.dryRun });
    }
  } catch (e) {
    if (e instanceof PlanError || e instanceof UnknownSettingError) throw new UsageError(e.message);
    throw e;
  }
  const report = buildReport(outcome);
  ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
  return report.exitCode;
}

/** up → outputs → destroy, each step streamed; failures become part of the outcome. */
export async function liveRescue(
  ctx: CliContext,
  automation: Automation,
  deps: RescueDeps,
  stackName: string,
  settings: Record<string, string>,
  t: { resourceGroup: string; vm: string; dryRun: boolean; swapRequested: boolean },
): Promise<RescueOutcome> {
  const startedAt = deps.now().toISOString();
  const recorder = new TimelineRecorder();
  const stream = progress(ctx, recorder, ctx.io.isTty ? (s) => process.stdout.write(s) : null);
  const errors: string[] = [];
  let stack: RescueStack | null = null;
  let outputs: Record<string, unknown> = {};
  let helperRemoved: boolean | null = null;
  const opened = await attempt(() => automation.openStack(stackName, false));
  if (opened.error) errors.push(`could not open stack ${stackName}: ${opened.error}`);
  stack = opened.value;
  if (stack) {
    const configured = await attempt(() => stack!.setConfig(settings));
    if (configured.error) errors.push(`could not set the stack config: ${configured.error}`);
    else {
      ctx.io.err(`pulumi up (stack ${stackName})`);
      const up = await attempt(() => stack!.up(stream));
      if (up.error) errors.push(`pulumi up failed: ${up.error}`);
      outputs = up.value ?? {};
      ctx.io.err(`pulumi destroy (stack ${stackName}; kept resources stay)`);
      const down = await attempt(() => stack!.destroy(stream));
      if (down.error) errors.push(`pulumi destroy failed: ${down.error}`);
      helperRemoved = down.error === null;
    }
  }
  stream.stop();
  const fromOutputs = outcomeFromOutputs(outputs, t.swapRequested);
  return {
    cloud: "azure",
    vm: { resourceGroup: t.resourceGroup, name: t.vm },
    stack: stackName,
    mode: "live",
    dryRun: t.dryRun,
    startedAt,
    endedAt: deps.now().toISOString(),
    timeline: recorder.steps,
    ...fromOutputs,
    helperSize: settings.helperVmSize ?? (SETTINGS.find((s) => s.key === "helperVmSize")?.default as string | undefined) ?? null,
    helperRemoved,
    timeToRecovery: null,
    errors,
  };
}
