import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../exit";
import { rescueIdFromStack, SETTINGS } from "../../program";
import { TimelineRecorder } from "../../report/timeline";
import { firstLine } from "../automation";
import { confirmOrRefuse, defaultDeps, progress, RescueDeps, targetOf } from "./rescue";

interface RollbackOptions {
  cloud: string;
  resourceGroup?: string;
  vm?: string;
  instanceId?: string;
  stack?: string;
  yes?: boolean;
}

/** Registers `vm-rescue rollback`: `rollback=true` on the incident's stack, then `up` puts the original OS disk back. */
export function registerRollback(program: Command, ctx: CliContext, deps: RescueDeps = defaultDeps): void {
  program
    .command("rollback")
    .description("put the original OS disk back on the VM (config rollback=true on the incident's stack, then pulumi up)")
    .option("--cloud <cloud>", "azure or aws", "azure")
    .option("--resource-group <rg>", "Azure: resource group of the VM")
    .option("--vm <name>", "Azure: name of the VM")
    .option("--instance-id <id>", "AWS: instance id")
    .option("--stack <name>", "the incident's stack (default <vm>-rescue)")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action((opts: RollbackOptions) => runAction(ctx, () => rollback(ctx, opts, deps)));
}

async function rollback(ctx: CliContext, opts: RollbackOptions, deps: RescueDeps): Promise<number> {
  const target = targetOf(opts, "rollback");
  if (!SETTINGS.some((s) => s.key === "rollback")) throw new UsageError("rollback needs the stack setting \"rollback\", which this version of the program does not have");
  const stackName = opts.stack ?? rescueIdFromStack(`${target.vm}-rescue`);
  const automation = deps.automation();
  await confirmOrRefuse(ctx, deps, opts.yes, `put the original OS disk back on VM ${target.resourceGroup}/${target.vm} (stack ${stackName})`, automation);
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
      ctx.io.out(`Rollback of ${target.resourceGroup}/${target.vm} did not happen${reasons.length ? `: ${reasons.join("; ")}` : ""}`);
      return ExitCode.Failed;
    }
    ctx.io.out(`Rolled back ${target.resourceGroup}/${target.vm}: the original OS disk is back${reasons.length ? ` (${reasons.join("; ")})` : ""}. The repaired copy is kept, detached.`);
    return ExitCode.Ok;
  } catch (e) {
    stream.stop();
    ctx.io.err(`vm-rescue: rollback on stack ${stackName} failed: ${firstLine(e)}`);
    return ExitCode.Failed;
  }
}
