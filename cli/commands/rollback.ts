import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../exit";
import { SETTINGS } from "../../program";
import { TimelineRecorder } from "../../report/timeline";
import { firstLine } from "../automation";
import { confirmOrRefuse, defaultDeps, progress, RescueDeps, targetOf } from "./rescue";

interface RollbackOptions {
  cloud?: string;
  resourceGroup?: string;
  vm?: string;
  instanceId?: string;
  region?: string;
  stack?: string;
  yes?: boolean;
}

/** Registers `vm-rescue rollback`: `rollback=true` on the incident's stack, then `up` puts the replaced OS disk back. */
export function registerRollback(program: Command, ctx: CliContext, deps: RescueDeps = defaultDeps): void {
  program
    .command("rollback")
    .description("put the original OS disk back on the VM (config rollback=true on the incident's stack, then pulumi up)")
    .option("--cloud <cloud>", "azure or aws (default: aws with --instance-id, else azure)")
    .option("--resource-group <rg>", "Azure: resource group of the VM")
    .option("--vm <name>", "Azure: name of the VM")
    .option("--instance-id <id>", "AWS: instance id (i-...)")
    .option("--region <region>", "AWS: region of the instance (only to name it; the stack knows it)")
    .option("--stack <name>", "the incident's stack (default <vm>-rescue on Azure, rescue-<instance id> on AWS)")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action((opts: RollbackOptions) => runAction(ctx, () => rollback(ctx, opts, deps)));
}

/** What goes back: Azure and AWS copy mode the original disk/volume; AWS inPlace a volume from the backup snapshot. */
function restored(cloud: "azure" | "aws", mode: unknown): string {
  if (cloud === "azure") return "the original OS disk is back; the repaired copy is kept, detached";
  if (mode === "inPlace") return "a volume made from the backup snapshot is the root again; the repaired volume is kept, detached";
  return "the original root volume is back; the repaired copy is kept, detached";
}

async function rollback(ctx: CliContext, opts: RollbackOptions, deps: RescueDeps): Promise<number> {
  const target = targetOf(opts, "rollback");
  if (!SETTINGS.some((s) => s.key === "rollback")) throw new UsageError("rollback needs the stack setting \"rollback\", which this version of the program does not have");
  const stackName = opts.stack ?? target.defaultStack;
  const automation = deps.automation();
  await confirmOrRefuse(ctx, deps, opts.yes, `put the replaced OS disk back on ${target.label} (stack ${stackName})`, automation);
  const recorder = new TimelineRecorder();
  const stream = progress(ctx, recorder, ctx.io.isTty ? (s) => process.stdout.write(s) : null);
  try {
    const stack = await automation.openStack(stackName, true);
    await stack.setConfig({ rollback: "true" });
    ctx.io.err(`pulumi up (stack ${stackName}, rollback=true)`);
    const outputs = await stack.up(stream);
    stream.stop();
    const reasons = Array.isArray(outputs.outcome) ? outputs.outcome.filter((x): x is string => typeof x === "string") : [];
    if (outputs.rolledBack === false) {
      ctx.io.out(`Rollback of ${target.label} did not happen${reasons.length ? `: ${reasons.join("; ")}` : ""}`);
      return ExitCode.Failed;
    }
    ctx.io.out(`Rolled back ${target.label}: ${restored(target.cloud, outputs.mode)}${reasons.length ? ` (${reasons.join("; ")})` : ""}.`);
    return ExitCode.Ok;
  } catch (e) {
    stream.stop();
    ctx.io.err(`vm-rescue: rollback on stack ${stackName} failed: ${firstLine(e)}`);
    return ExitCode.Failed;
  }
}
