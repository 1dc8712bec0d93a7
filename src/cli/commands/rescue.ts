import { SettingError } from "../../engine/program";
import * as readline from "node:readline";
import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { readJsonFile } from "../readJson";
import {
  Automation,
  firstLine,
  localAutomation,
  PulumiCliMissing,
  RescueStack,
  StreamOptions,
} from "../../engine/automation";
import { PlanError } from "../../vocabulary/errors";
import { asAzureVmDescription, AzureNicDescription } from "../../describe/azureVm";
import { REPAIR_ACTIONS, type RepairActionName } from "../../collect/contract";
import { rescueIdFromStack } from "../../engine/program";
import { SETTINGS } from "../../engine/settings";
import { UnknownSettingError } from "../../engine/simulate/plan";
import {
  awsStackName,
  RescueChoices,
  rescueSettings,
  simulateAwsRescue,
  simulateRescue,
} from "../../engine/simulate/rescue";
import { asEc2Instance, asEc2Volumes, instanceFacts } from "../../describe/awsInstance";
import { buildReport, renderMarkdown, RescueCloud, RescueOutcome, VmIdentity } from "../../report";
import { evidenceSources, outcomeFromOutputs } from "../../report/fromOutputs";
import {
  applyEvidence,
  readEvidence,
  type ArtifactReader,
  type Evidence,
} from "../../report/evidence";
import { artifactReaderFor } from "../../engine/artifacts";
import { TimelineRecorder } from "../../engine/timeline";

export interface RescueOptions {
  cloud?: string;
  resourceGroup?: string;
  vm?: string;
  instanceId?: string;
  region?: string;
  mode?: string;
  kmsGrantConfirmed?: boolean;
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
  awsInstance?: string;
  volumes?: string;
}

/** What the flows need from the outside world; tests pass fakes. */
export interface RescueDeps {
  automation(): Automation;
  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
  now(): Date;
  /** Reads the evidence documents from the artifacts container (Azure) or bucket (AWS). */
  artifacts(cloud: RescueCloud, region?: string): ArtifactReader;
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
  artifacts: artifactReaderFor,
};

const DEFAULT_VM = "examples/azure-vm.json";
const DEFAULT_NIC = "examples/azure-nic.json";
const DEFAULT_AWS_INSTANCE = "examples/aws-instance.json";
const DEFAULT_AWS_VOLUMES = "examples/aws-volumes.json";

/** Registers `vm-rescue rescue`: up → evidence → destroy → report through the Automation API (or simulated). */
export function registerRescue(
  program: Command,
  ctx: CliContext,
  deps: RescueDeps = defaultDeps,
): void {
  program
    .command("rescue")
    .description(
      "rescue a VM in one go: snapshot, copy, helper, triage, repair, swap, verify, teardown; prints the report",
    )
    .option(
      "--cloud <cloud>",
      "azure or aws (default: aws with --instance-id or --aws-instance, else azure)",
    )
    .option("--resource-group <rg>", "Azure: resource group of the broken VM")
    .option("--vm <name>", "Azure: name of the broken VM")
    .option("--instance-id <id>", "AWS: instance id of the broken VM (i-...)")
    .option("--region <region>", "AWS: region of the instance (default: the AWS provider's region)")
    .option(
      "--mode <mode>",
      "AWS: copy (repair a copy of the root, default) or inPlace (repair the original root)",
    )
    .option(
      "--kms-grant-confirmed",
      "AWS: the deploying identity may use the encrypted root volume's KMS key",
    )
    .option("--driver <name>", "force the culprit (service or driver file name)")
    .option(
      "--actions <a,b>",
      `repair actions instead of the automatic choice (${REPAIR_ACTIONS.join(", ")})`,
    )
    .option("--dry-run", "plan and report the repair; change nothing, swap nothing")
    .option("--no-swap", "repair the copy but do not swap it in")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .option("--json", "print the report as JSON (schemas/report.schema.json)")
    .option(
      "--simulate",
      "run the same chain against a simulated cloud (no Pulumi CLI, no credentials)",
    )
    .option(
      "--azure-vm <file>",
      `with --simulate: the VM as \`az vm show -o json\` prints it (default ${DEFAULT_VM})`,
    )
    .option(
      "--nic <file>",
      `with --simulate: its primary NIC (\`az network nic show -o json\`; default ${DEFAULT_NIC})`,
    )
    .option(
      "--aws-instance <file>",
      `with --simulate: the instance as \`aws ec2 describe-instances\` prints it (default ${DEFAULT_AWS_INSTANCE})`,
    )
    .option(
      "--volumes <file>",
      `with --simulate: its volumes (\`aws ec2 describe-volumes\`; default with the default instance ${DEFAULT_AWS_VOLUMES})`,
    )
    .option(
      "--stack <name>",
      "the incident's stack (default <vm>-rescue on Azure, rescue-<instance id> on AWS)",
    )
    .action((opts: RescueOptions) => runAction(ctx, () => rescue(ctx, opts, deps)));
}

function parseActions(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  const known = new Set<string>(REPAIR_ACTIONS);
  const bad = list.filter((a) => !known.has(a));
  if (list.length === 0 || bad.length > 0)
    throw new UsageError(
      `--actions: unknown action ${JSON.stringify(bad[0] ?? text)}; known: ${REPAIR_ACTIONS.join(", ")}`,
    );
  return list;
}

/** Which VM a command is for, checked. */
export type CliTarget = (
  | { cloud: "azure"; resourceGroup: string; vm: string }
  | { cloud: "aws"; instanceId: string; region?: string }
) & {
  /** How the VM is named in questions and messages. */
  label: string;
  /** The incident's stack when --stack is not given. */
  defaultStack: string;
};

type TargetFlags = Pick<
  RescueOptions,
  | "cloud"
  | "resourceGroup"
  | "vm"
  | "instanceId"
  | "region"
  | "mode"
  | "kmsGrantConfirmed"
  | "simulate"
  | "azureVm"
  | "nic"
  | "awsInstance"
  | "volumes"
>;

const AZURE_ONLY: [keyof TargetFlags, string][] = [
  ["resourceGroup", "--resource-group"],
  ["vm", "--vm"],
  ["azureVm", "--azure-vm"],
  ["nic", "--nic"],
];
const AWS_ONLY: [keyof TargetFlags, string][] = [
  ["instanceId", "--instance-id"],
  ["region", "--region"],
  ["mode", "--mode"],
  ["kmsGrantConfirmed", "--kms-grant-confirmed"],
  ["awsInstance", "--aws-instance"],
  ["volumes", "--volumes"],
];

/** Which VM, checked; throws UsageError. With --simulate the VM comes from the description files. */
export function targetOf(opts: TargetFlags, command: string): CliTarget {
  const cloud = opts.cloud ?? (opts.instanceId || opts.awsInstance ? "aws" : "azure");
  if (cloud !== "azure" && cloud !== "aws")
    throw new UsageError(`--cloud must be azure or aws, not ${JSON.stringify(cloud)}`);
  const foreign = (cloud === "azure" ? AWS_ONLY : AZURE_ONLY).find(([k]) => opts[k] !== undefined);
  if (foreign)
    throw new UsageError(
      `${command}: ${foreign[1]} is for --cloud ${cloud === "azure" ? "aws" : "azure"}, not ${cloud}`,
    );
  if (opts.mode !== undefined && opts.mode !== "copy" && opts.mode !== "inPlace")
    throw new UsageError(`--mode must be copy or inPlace, not ${JSON.stringify(opts.mode)}`);
  if (cloud === "aws") {
    if (!opts.simulate && !opts.instanceId)
      throw new UsageError(`${command} --cloud aws needs --instance-id <i-...>`);
    if (opts.instanceId !== undefined && !/^i-[0-9a-f]{8,17}$/.test(opts.instanceId))
      throw new UsageError(
        `--instance-id must look like i-0123456789abcdef0, not ${JSON.stringify(opts.instanceId)}`,
      );
    const instanceId = opts.instanceId ?? "";
    return {
      cloud,
      instanceId,
      region: opts.region,
      label: `instance ${instanceId}${opts.region ? ` (${opts.region})` : ""}`,
      defaultStack: awsStackName(instanceId),
    };
  }
  if (!opts.simulate && (!opts.resourceGroup || !opts.vm))
    throw new UsageError(`${command} --cloud azure needs --resource-group <rg> and --vm <name>`);
  const resourceGroup = opts.resourceGroup ?? "";
  const vm = opts.vm ?? "";
  return {
    cloud,
    resourceGroup,
    vm,
    label: `VM ${resourceGroup}/${vm}`,
    defaultStack: rescueIdFromStack(`${vm}-rescue`),
  };
}

/**
 * Refuses without --yes off a terminal, then checks for the Pulumi CLI, then asks on a terminal.
 * Throws UsageError (exit 2) for each; nothing has run yet.
 */
export async function confirmOrRefuse(
  ctx: CliContext,
  deps: RescueDeps,
  yes: boolean | undefined,
  what: string,
  automation: Automation,
): Promise<void> {
  if (!yes && !ctx.io.isTty)
    throw new UsageError(`refusing to ${what} without --yes when not on a terminal`);
  await requireCli(automation);
  if (!yes && !(await deps.confirm(`This will ${what}. Continue?`)))
    throw new UsageError("not confirmed; nothing was done");
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
export function progress(
  ctx: CliContext,
  recorder: TimelineRecorder,
  write: ((s: string) => void) | null,
): StreamOptions & { stop(): void } {
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
        write(
          `${frames[frame++ % frames.length]} ${u.running.length} running: ${u.running[u.running.length - 1]}`,
        );
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

/** The simulated rescue of the described VM or instance. */
async function simulated(
  opts: RescueOptions,
  target: CliTarget,
  choices: RescueChoices,
  deps: RescueDeps,
): Promise<RescueOutcome> {
  if (target.cloud === "aws") {
    const file = opts.awsInstance ?? DEFAULT_AWS_INSTANCE;
    const volumesFile =
      opts.volumes ?? (opts.awsInstance === undefined ? DEFAULT_AWS_VOLUMES : undefined);
    const instance = instanceFacts(
      asEc2Instance(readJsonFile(file, "--aws-instance")),
      volumesFile ? asEc2Volumes(readJsonFile(volumesFile, "--volumes")) : [],
    );
    if (target.instanceId && target.instanceId !== instance.instanceId)
      throw new UsageError(
        `--instance-id ${target.instanceId} is not the instance in ${file} (${instance.instanceId})`,
      );
    return simulateAwsRescue({
      instance,
      region: target.region,
      mode: opts.mode,
      kmsGrantConfirmed: opts.kmsGrantConfirmed,
      stack: opts.stack,
      ...choices,
      startedAt: deps.now(),
    });
  }
  const vm = asAzureVmDescription(readJsonFile(opts.azureVm ?? DEFAULT_VM, "--azure-vm"));
  const nic = readJsonFile(opts.nic ?? DEFAULT_NIC, "--nic") as AzureNicDescription;
  return simulateRescue({ vm, nic, stack: opts.stack, ...choices, startedAt: deps.now() });
}

async function rescue(ctx: CliContext, opts: RescueOptions, deps: RescueDeps): Promise<number> {
  const target = targetOf(opts, "rescue");
  const choices: RescueChoices = {
    driver: opts.driver,
    actions: parseActions(opts.actions),
    dryRun: opts.dryRun,
    noSwap: opts.swap === false,
  };
  let outcome: RescueOutcome;
  try {
    if (opts.simulate) outcome = await simulated(opts, target, choices, deps);
    else {
      const settings = rescueSettings(
        target.cloud === "azure"
          ? { cloud: "azure", resourceGroup: target.resourceGroup, vmName: target.vm }
          : {
              cloud: "aws",
              instanceId: target.instanceId,
              region: target.region,
              mode: opts.mode,
              kmsGrantConfirmed: opts.kmsGrantConfirmed,
            },
        choices,
      );
      const stackName = opts.stack ?? target.defaultStack;
      const automation = deps.automation();
      const changes = choices.noSwap || choices.dryRun ? "" : " and swap it in";
      await confirmOrRefuse(
        ctx,
        deps,
        opts.yes,
        `rescue ${target.label} (stack ${stackName}): create a helper, repair a copy of its OS disk${changes}`,
        automation,
      );
      outcome = await liveRescue(ctx, automation, deps, stackName, settings, { target, choices });
    }
  } catch (e) {
    if (e instanceof PlanError || e instanceof UnknownSettingError || e instanceof SettingError)
      throw new UsageError(e.message);
    throw e;
  }
  const report = buildReport(outcome);
  ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
  return report.exitCode;
}

const DEFAULT_HELPER_SIZE = { azure: "helperVmSize", aws: "helperInstanceType" } as const;

/**
 * up → outputs → evidence (read while the stack still grants access to the artifacts) → destroy,
 * each step streamed; failures become part of the outcome.
 */
export async function liveRescue(
  ctx: CliContext,
  automation: Automation,
  deps: RescueDeps,
  stackName: string,
  settings: Record<string, string>,
  t: { target: CliTarget; choices: RescueChoices },
): Promise<RescueOutcome> {
  const startedAt = deps.now().toISOString();
  const recorder = new TimelineRecorder();
  const stream = progress(ctx, recorder, ctx.io.isTty ? (s) => process.stdout.write(s) : null);
  const errors: string[] = [];
  const cloud = t.target.cloud;
  let outputs: Record<string, unknown> = {};
  let helperRemoved: boolean | null = null;
  let evidence: Evidence | null = null;
  const opened = await attempt(() => automation.openStack(stackName, false));
  if (opened.error) errors.push(`could not open stack ${stackName}: ${opened.error}`);
  const stack = opened.value;
  if (stack) {
    const configured = await attempt(() => stack.setConfig(settings));
    if (configured.error) errors.push(`could not set the stack config: ${configured.error}`);
    else {
      ctx.io.err(`pulumi up (stack ${stackName})`);
      const up = await attempt(() => stack.up(stream));
      if (up.error) errors.push(`pulumi up failed: ${up.error}`);
      outputs = up.value ?? {};
      const sources = evidenceSources(outputs);
      if (sources.collectOutput || sources.repairResult) {
        ctx.io.err("reading the evidence (collect output, repair result)");
        const region = t.target.cloud === "aws" ? t.target.region : undefined;
        evidence = await readEvidence(deps.artifacts(cloud, region), sources, {
          cloud,
          instanceType:
            typeof outputs.instanceType === "string" && outputs.instanceType !== ""
              ? outputs.instanceType
              : null,
          choice: {
            driver: t.choices.driver,
            actions: t.choices.actions as RepairActionName[] | undefined,
            dryRun: t.choices.dryRun,
          },
          stackActions: Array.isArray(outputs.repairActions)
            ? (outputs.repairActions as string[])
            : null,
        });
      }
      ctx.io.err(`pulumi destroy (stack ${stackName}; kept resources stay)`);
      const down = await attempt(() => stack.destroy(stream));
      if (down.error) errors.push(`pulumi destroy failed: ${down.error}`);
      helperRemoved = down.error === null;
    }
  }
  stream.stop();
  const fromOutputs = outcomeFromOutputs(outputs, !t.choices.noSwap && !t.choices.dryRun);
  const key = DEFAULT_HELPER_SIZE[cloud];
  const vm: VmIdentity =
    t.target.cloud === "azure"
      ? { resourceGroup: t.target.resourceGroup, name: t.target.vm }
      : {
          instanceId: t.target.instanceId,
          ...(t.target.region ? { region: t.target.region } : {}),
          ...(typeof outputs.instanceType === "string" && outputs.instanceType
            ? { instanceType: outputs.instanceType }
            : {}),
        };
  return {
    cloud,
    vm,
    stack: stackName,
    mode: "live",
    dryRun: t.choices.dryRun === true,
    startedAt,
    endedAt: deps.now().toISOString(),
    timeline: recorder.steps,
    ...(evidence ? applyEvidence(fromOutputs, evidence) : fromOutputs),
    helperSize:
      settings[key] ?? (SETTINGS.find((s) => s.key === key)?.default as string | undefined) ?? null,
    helperRemoved,
    timeToRecovery: null,
    errors,
  };
}
