/**
 * `vm-rescue rescue`: reads the options, runs the rescue — live through the Automation API
 * (`engine/liveRescue.ts`) or simulated (`engine/simulate/rescue.ts`) — and prints the report.
 */
import * as path from "path";
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { defaultDeps, type RescueDeps } from "../deps";
import { confirmOrRefuse, terminalUi } from "../terminal";
import { interruptible } from "../signals";
import { sampleHasDriver } from "../sampleDriver";
import { UsageError } from "../../vocabulary/exitCodes";
import { PlanError } from "../../vocabulary/errors";
import {
  NIC_CAP,
  VOLUMES_CAP,
  readJsonFile,
  readJsonFileWithEncoding,
} from "../../engine/readJson";
import { checkNicOfVm, readAzureVm } from "../../describe/azureShapes";
import { readEc2Instance } from "../../describe/awsShapes";
import { targetOf, type VmTarget, type TargetFlags } from "../../engine/target";
import { UnknownSettingError } from "../../engine/settings";
import { cloudOfFlags } from "../../engine/targetCloud";
import type { RescueChoices } from "../../engine/simulate/rescue";
import type { AzureNicDescription, AzureVmDescription } from "../../describe/azureVm";
import { asEc2Volumes, instanceFacts, type AwsInstanceFacts } from "../../describe/awsInstance";
import { packageRoot } from "../../vocabulary/packageRoot";
import { REPAIR_ACTIONS } from "../../vocabulary/repairActions";
import { AWS_SAFE_BOOT_REFUSAL } from "../../repair/plan";
import { buildReport, renderMarkdown, RescueOutcome } from "../../report";
import { progressEvents, progressLine } from "../../report/progress";

/** The VM-naming flags (`TargetFlags`) and the rescue's own choices. */
export interface RescueOptions extends TargetFlags {
  driver?: string;
  actions?: string;
  dryRun?: boolean;
  swap: boolean;
  yes?: boolean;
  json?: boolean;
  stack?: string;
  progress?: string;
  standby?: boolean;
  standbyZone?: string;
}

const DEFAULT_VM = "examples/azure-vm.json";
const DEFAULT_NIC = "examples/azure-nic.json";
const DEFAULT_AWS_INSTANCE = "examples/aws-instance.json";
const DEFAULT_AWS_VOLUMES = "examples/aws-volumes.json";

/**
 * The engine (Pulumi, the clouds), loaded once the command line is checked, so `--help` and a
 * refused command line start without it.
 */
const engine = () => ({
  ...(require("../../engine/program") as typeof import("../../engine/program")),
  ...(require("../../engine/liveRescue") as typeof import("../../engine/liveRescue")),
  ...(require("../../engine/simulate/plan") as typeof import("../../engine/simulate/plan")),
  ...(require("../../engine/simulate/rescue") as typeof import("../../engine/simulate/rescue")),
});

/**
 * Registers `vm-rescue rescue`: up → evidence → destroy → report through the Automation API (or
 * simulated). A failed up keeps the stack (run the command again to resume); Ctrl-C stops the
 * update after the steps in flight.
 */
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
      "--standby",
      "with --simulate: rescue on a standby helper the simulated cloud holds stopped (deallocated on Azure), instead of creating a helper",
    )
    .option(
      "--standby-zone <zone>",
      "with --simulate --standby: the standby helper's availability zone (Azure: \"\" for none) instead of the VM's",
    )
    .option(
      "--stack <name>",
      "the incident's stack (default <vm>-rescue on Azure, rescue-<instance id> on AWS)",
    )
    .option(
      "--progress <format>",
      "a line when each phase starts and ends, heartbeats for long steps (live) and each repair operation (simulated) on stderr (text), NDJSON events on stderr (json), or none",
      "text",
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

/** A description of the wrong shape is refused naming its option and file. */
function naming<T>(flag: string, file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof PlanError && e.code === "invalid-input" && !e.message.includes(file))
      throw new UsageError(`${flag} file ${file}: ${e.message.replace(/^--\S+:? /, "")}`);
    throw e;
  }
}

/** A bundled example, found from the package root (not the working folder). */
const bundled = (file: string) => path.join(packageRoot(), file);

/** With --simulate: the VM or instance its files describe. */
type Described =
  | { cloud: "azure"; vm: AzureVmDescription; nic: AzureNicDescription }
  | { cloud: "aws"; instance: AwsInstanceFacts; file: string };

/**
 * Reads and checks the description files of the cloud the flags name (bundled examples where
 * none is given) before the engine loads: a file of the wrong shape is refused at once.
 */
function described(opts: RescueOptions): Described | null {
  const cloud = cloudOfFlags(opts);
  if (cloud === "aws") {
    const file = opts.awsInstance ?? bundled(DEFAULT_AWS_INSTANCE);
    const volumesFile =
      opts.volumes ?? (opts.awsInstance === undefined ? bundled(DEFAULT_AWS_VOLUMES) : undefined);
    const instance = instanceFacts(
      naming("--aws-instance", file, () =>
        readEc2Instance(readJsonFileWithEncoding(file, "--aws-instance").json),
      ).instance,
      volumesFile
        ? naming("--volumes", volumesFile, () =>
            asEc2Volumes(readJsonFile(volumesFile, "--volumes", VOLUMES_CAP)),
          )
        : [],
    );
    return { cloud, instance, file };
  }
  if (cloud !== "azure") return null;
  const vmFile = opts.azureVm ?? bundled(DEFAULT_VM);
  const vm = naming("--azure-vm", vmFile, () =>
    readAzureVm(readJsonFileWithEncoding(vmFile, "--azure-vm").json),
  ).vm;
  const nicFile = opts.nic ?? bundled(DEFAULT_NIC);
  const nic = naming("--nic", nicFile, () =>
    checkNicOfVm(readJsonFile(nicFile, "--nic", NIC_CAP), vm),
  );
  return { cloud, vm, nic };
}

/** The simulated rescue of the described VM or instance. */
async function simulated(
  opts: RescueOptions,
  target: VmTarget,
  given: Described | null,
  choices: RescueChoices,
  deps: RescueDeps,
): Promise<RescueOutcome> {
  if (opts.driver !== undefined && sampleHasDriver(target.cloud, opts.driver.trim()) === false)
    throw new UsageError(
      `--driver ${opts.driver.trim()}: no service of that name is on the bundled sample disk the simulation runs on; name one of its services (e.g. cxnetmon) or leave --driver out`,
    );
  const standby = opts.standby
    ? opts.standbyZone !== undefined
      ? { zone: opts.standbyZone }
      : true
    : undefined;
  // Both come from the same flags (cloudOfFlags), so they name the same cloud.
  if (target.cloud === "aws" && given?.cloud === "aws") {
    const { instance, file } = given;
    if (target.instanceId && target.instanceId !== instance.instanceId)
      throw new UsageError(
        `--instance-id ${target.instanceId} is not the instance in ${file} (${instance.instanceId})`,
      );
    return engine().simulateAwsRescue({
      instance,
      region: target.region,
      mode: opts.mode,
      kmsGrantConfirmed: opts.kmsGrantConfirmed,
      stack: opts.stack,
      ...choices,
      standby,
      startedAt: deps.now(),
    });
  }
  if (given?.cloud !== "azure") throw new Error(`no ${target.cloud} description was read`);
  const { vm, nic } = given;
  return engine().simulateRescue({
    vm,
    nic,
    stack: opts.stack,
    ...choices,
    standby,
    startedAt: deps.now(),
  });
}

async function rescue(ctx: CliContext, opts: RescueOptions, deps: RescueDeps): Promise<number> {
  // The description files are read (bounded, decoded, parsed) before the engine loads: a missing
  // or unreadable one is refused at once, without paying for Pulumi and the cloud SDKs.
  for (const [flag, file, cap] of [
    ["--azure-vm", opts.azureVm, undefined],
    ["--nic", opts.nic, NIC_CAP],
    ["--aws-instance", opts.awsInstance, undefined],
    ["--volumes", opts.volumes, VOLUMES_CAP],
  ] as const)
    if (opts.simulate && file !== undefined) readJsonFileWithEncoding(file, flag, cap);
  const given = opts.simulate ? described(opts) : null;
  const target = targetOf(opts, "rescue");
  if (opts.standbyZone !== undefined && !opts.standby)
    throw new UsageError("--standby-zone describes the standby helper: add --standby");
  if (opts.standby && !opts.simulate)
    throw new UsageError(
      "--standby runs with --simulate; a live rescue takes its standby helper from the stack settings standbyHelperId, standbyHelperSubnetId and standbyHelperZone",
    );
  const choices: RescueChoices = {
    driver: opts.driver,
    actions: parseActions(opts.actions),
    dryRun: opts.dryRun,
    noSwap: opts.swap === false,
  };
  if (!["text", "json", "none"].includes(opts.progress ?? "text"))
    throw new UsageError(
      `--progress must be text, json or none, not ${JSON.stringify(opts.progress)}`,
    );
  if (target.cloud === "aws" && choices.actions?.includes("SetSafeBoot"))
    throw new UsageError(AWS_SAFE_BOOT_REFUSAL);
  // The command line is checked: the engine loads now.
  const { rescueSettings, liveRescue, SettingError } = engine();
  let outcome: RescueOutcome;
  try {
    if (opts.simulate) {
      outcome = await simulated(opts, target, given, choices, deps);
      // Progress goes to stderr in every format: stdout carries the report alone.
      if (opts.progress !== "none")
        for (const e of progressEvents(outcome))
          ctx.io.err(opts.progress === "json" ? JSON.stringify(e) : progressLine(e));
    } else {
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
      outcome = await interruptible(ctx, `the rescue on stack ${stackName}`, (signal) =>
        liveRescue(
          automation,
          deps,
          stackName,
          settings,
          { target, choices },
          terminalUi(ctx, { format: (opts.progress ?? "text") as "text" | "json" | "none" }),
          signal,
        ),
      );
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
