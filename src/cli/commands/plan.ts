import type { Command } from "commander";
import { runAction, yieldToSignals, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import {
  NIC_CAP,
  VOLUMES_CAP,
  parseSetOptions,
  readJsonFileWithEncoding,
} from "../../engine/readJson";
import { printable } from "../../evidence/printable";
import { checkNicOfVm, readAzureVm } from "../../describe/azureShapes";
import { checkVolumesOfInstance, readEc2Instance, readEc2Volumes } from "../../describe/awsShapes";
import { PlanError } from "../../vocabulary/errors";
import { sampleHasDriver } from "../sampleDriver";
import type { OfflinePlan, PlannedRepair } from "../../engine/simulate/plan";
import { instanceFacts, type Ec2CliVolume } from "../../describe/awsInstance";
import { parseArmId } from "../../describe/azureVm";
import { ttrLine, TtrOptions } from "../../recoveryTime/azure";
import { checkSettings, UnknownSettingError } from "../../engine/settings";

/** The engine (Pulumi's mocks, the program), loaded when the command runs so `--help` starts without it. */
const engine = () => ({
  ...(require("../../engine/program") as typeof import("../../engine/program")),
  ...(require("../../engine/simulate/plan") as typeof import("../../engine/simulate/plan")),
  ...(require("../../engine/simulate/rescue") as typeof import("../../engine/simulate/rescue")),
});

/**
 * The engine, loaded once the input is read; a Ctrl-C before or while it loads is honoured here
 * (see yieldToSignals), and the other stages of plan yield the same way.
 */
async function loadEngine(): Promise<ReturnType<typeof engine>> {
  await yieldToSignals();
  const loaded = engine();
  await yieldToSignals();
  return loaded;
}

interface PlanOptions {
  azureVm?: string;
  nic?: string;
  awsInstance?: string;
  volumes?: string;
  set: string[];
  json?: boolean;
}

/** Registers `vm-rescue plan`: what `pulumi up` would create, computed offline under Pulumi's mocks. */
export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("show what `pulumi up` would create for a VM, offline (no cloud, no Pulumi CLI)")
    .option("--azure-vm <file>", "the broken VM as `az vm show -o json` prints it")
    .option(
      "--nic <file>",
      "its primary NIC as `az network nic show -o json` prints it (for the subnet)",
    )
    .option(
      "--aws-instance <file>",
      "the broken EC2 instance as `aws ec2 describe-instances --instance-ids i-…` prints it",
    )
    .option(
      "--volumes <file>",
      "its volumes as `aws ec2 describe-volumes` prints them (type, size, IOPS, encryption of the root)",
    )
    .option(
      "--set <key=value>",
      "a stack setting (repeatable), e.g. --set helperVmSize=Standard_D4s_v5",
      collect,
      [],
    )
    .option("--json", "print one JSON object instead of a tree")
    .action((opts: PlanOptions) => runAction(ctx, () => plan(ctx, opts)));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function plan(ctx: CliContext, opts: PlanOptions): Promise<number> {
  if (!opts.azureVm && !opts.awsInstance)
    throw new UsageError(
      "plan needs --azure-vm <file> (az vm show -o json) or --aws-instance <file> (aws ec2 describe-instances)",
    );
  if (opts.azureVm && opts.awsInstance)
    throw new UsageError("plan takes --azure-vm or --aws-instance, not both");
  const cloud = opts.awsInstance ? "aws" : "azure";
  const warnings: string[] = [];
  const settings = driverOnSample(cloud, parseSetOptions(opts.set), warnings);
  let result: OfflinePlan;
  let input: { shape: string; encoding: string };
  /** What the text output says of the other files read (`--volumes`). */
  const alsoRead: string[] = [];
  try {
    if (opts.awsInstance) {
      const file = readJsonFileWithEncoding(opts.awsInstance, "--aws-instance");
      const read = naming("--aws-instance", opts.awsInstance, () => readEc2Instance(file.json));
      let volumes: Ec2CliVolume[] = [];
      if (opts.volumes) {
        const volumesFile = readJsonFileWithEncoding(opts.volumes, "--volumes", VOLUMES_CAP);
        const readVolumes = naming("--volumes", opts.volumes, () =>
          readEc2Volumes(volumesFile.json),
        );
        volumes = readVolumes.volumes;
        checkVolumesOfInstance(volumes, read.instance);
        alsoRead.push(`Read ${opts.volumes}: ${readVolumes.shape} (${volumesFile.encoding})`);
      }
      input = { shape: read.shape, encoding: file.encoding };
      warnings.push(...read.warnings);
      const instance = instanceFacts(read.instance, volumes);
      checkSettings(settings); // before the engine loads, as the planner checks it first
      result = await (await loadEngine()).planAwsOffline({ instance, settings });
    } else {
      const file = readJsonFileWithEncoding(opts.azureVm as string, "--azure-vm");
      const read = naming("--azure-vm", opts.azureVm as string, () => readAzureVm(file.json));
      const nic = opts.nic
        ? naming("--nic", opts.nic, () =>
            checkNicOfVm(
              readJsonFileWithEncoding(opts.nic as string, "--nic", NIC_CAP).json,
              read.vm,
            ),
          )
        : null;
      input = { shape: read.shape, encoding: file.encoding };
      warnings.push(...read.warnings);
      // What the planner checks first, in its order, before the engine loads.
      parseArmId(read.vm.id, "the VM's id");
      checkSettings(settings);
      result = await (await loadEngine()).planAzureOffline({ vm: read.vm, nic, settings });
    }
  } catch (e) {
    if (e instanceof PlanError) throw new UsageError(e.message);
    if (e instanceof UsageError) throw e;
    if (e instanceof UnknownSettingError) throw new UsageError(e.message);
    const { SettingError } = engine();
    if (e instanceof SettingError) throw new UsageError(e.message);
    throw e;
  }
  await yieldToSignals();
  const timeToRecovery = engine().planTimeToRecovery(result, {
    repairActions: result.repair?.repairActions as TtrOptions["repairActions"],
  });
  if (timeToRecovery.error) result.warnings.push(timeToRecovery.error);
  result.warnings.unshift(...warnings);
  await yieldToSignals();
  ctx.io.out(
    opts.json
      ? JSON.stringify({ input, ...result, timeToRecovery: timeToRecovery.ttr }, null, 2)
      : [
          `Read ${opts.awsInstance ?? opts.azureVm}: ${input.shape} (${input.encoding})`,
          ...alsoRead,
          ...renderPlan(result, timeToRecovery.ttr ? ttrLine(timeToRecovery.ttr) : null).split(
            "\n",
          ),
        ]
          .map(printable)
          .join("\n"),
  );
  return ExitCode.Ok;
}

/**
 * Reads a file's shape; a file of the wrong shape is refused naming its option and path (the
 * describe layer knows neither): `--azure-vm file vm.json: expected the JSON of one VM …`.
 */
function naming<T>(flag: string, file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof PlanError && e.code === "invalid-input" && !e.message.includes(file))
      throw new PlanError(e.code, `${flag} file ${file}: ${e.message.replace(/^--\S+ /, "")}`);
    throw e;
  }
}

/**
 * The plan simulates the bundled sample disk, not the operator's: a well-formed `driver` that names
 * no service of the sample is planned without it, with a warning (the live rescue checks it against
 * the real disk). A malformed one is left for the settings' validation to refuse.
 */
function driverOnSample(
  cloud: "azure" | "aws",
  settings: Record<string, string>,
  warnings: string[],
): Record<string, string> {
  const driver = settings.driver?.trim();
  if (driver === undefined || sampleHasDriver(cloud, driver) !== false) return settings;
  warnings.push(
    `driver=${driver} is not a service on the bundled sample disk this plan simulates; the plan shows the automatic choice, and the rescue checks ${driver} against the VM's disk`,
  );
  const { driver: _dropped, ...rest } = settings;
  return rest;
}

/** A readable tree of the plan. */
export function renderPlan(p: OfflinePlan, ttr: string | null = null): string {
  const lines: string[] = [];
  lines.push(`Plan for stack ${p.stack} (${p.cloud}): ${p.resources.length} resources`);
  if (p.component) lines.push(`+ ${p.component.type}  ${p.component.name}`);
  for (const r of p.resources) {
    lines.push(`  + ${r.type}  ${r.name}${r.retainOnDelete ? "  [kept after destroy]" : ""}`);
    if (r.dependsOn.length > 0) lines.push(`      after: ${r.dependsOn.join(", ")}`);
  }
  if (p.repair) lines.push("", ...renderRepair(p.repair, p.cloud));
  if (ttr) lines.push("", ttr);
  if (p.warnings.length > 0) {
    lines.push("", "Warnings:");
    for (const w of p.warnings) lines.push(`  - ${w}`);
  }
  return lines.join("\n");
}

/** The repair the chain would run on the bundled sample: triage, guest drivers, actions with reasons, the swap gate. */
export function renderRepair(r: PlannedRepair, cloud: OfflinePlan["cloud"]): string[] {
  const lines = ["Repair of the bundled sample story (the simulated collect output):"];
  if (r.triageSummary.length > 0)
    lines.push("  Triage:", ...r.triageSummary.map((t) => `    - ${t}`));
  lines.push(
    r.findings.length > 0
      ? "  Guest drivers:"
      : `  Guest drivers: no finding against ${cloud === "azure" ? "Azure" : "the instance type"}`,
    ...r.findings.map((f) => `    - ${f}`),
  );
  const reasonOf = (action: string) =>
    r.decision.find((d) => d.startsWith(`${action}: `))?.slice(action.length + 2) ?? "";
  lines.push(
    r.repairActions.length > 0
      ? "  Actions (in the order repair.ps1 runs them):"
      : "  Actions: none chosen",
  );
  r.repairActions.forEach((a, i) =>
    lines.push(`    ${i + 1}. ${a}${reasonOf(a) ? ` — ${reasonOf(a)}` : ""}`),
  );
  const notes = r.decision.filter((d) => !r.repairActions.some((a) => d.startsWith(`${a}: `)));
  if (notes.length > 0)
    lines.push("  Notes:", ...notes.map((n) => `    - ${n.replace(/^(note|none): /, "")}`));
  lines.push(
    r.gate.allowed
      ? "  Swap: allowed by the guest-driver check"
      : `  Swap: not done${r.gate.reasons.length > 0 ? ` (${r.gate.reasons.join("; ")})` : ""}`,
  );
  return lines;
}
