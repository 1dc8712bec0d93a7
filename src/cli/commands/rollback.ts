/**
 * `vm-rescue rollback`: puts the original OS disk (Azure) or root volume (AWS) back. By default
 * directly against the cloud, no stack and no Pulumi CLI needed (`engine/rollback.ts`, which runs
 * the steps the stack's rollback resources run and verifies the boot); `--via-stack` keeps the older
 * path: `rollback=true` on the incident's stack, then `pulumi up`.
 */
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { defaultDeps, rollbackDeps, type RescueDeps } from "../deps";
import { confirmOrRefuse, terminalUi } from "../terminal";
import { interruptible } from "../signals";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { EngineError, firstLine } from "../../engine/automation";
import { targetOf } from "../../engine/target";
import type { RollbackResult } from "../../swap/rollback";

interface RollbackOptions {
  cloud?: string;
  resourceGroup?: string;
  vm?: string;
  subscription?: string;
  originalDisk?: string;
  instanceId?: string;
  region?: string;
  originalVolume?: string;
  stack?: string;
  viaStack?: boolean;
  verifyTimeout?: string;
  yes?: boolean;
  json?: boolean;
}

/**
 * The engine (Pulumi, the clouds), loaded once the command line is checked, so `--help` and a
 * refused command line start without it.
 */
const engine = () => ({
  ...(require("../../engine/liveRescue") as typeof import("../../engine/liveRescue")),
  ...(require("../../engine/rollback") as typeof import("../../engine/rollback")),
});

/** Registers `vm-rescue rollback`. */
export function registerRollback(
  program: Command,
  ctx: CliContext,
  deps: RescueDeps = defaultDeps,
): void {
  program
    .command("rollback")
    .description(
      "put the original OS disk / root volume back on the VM, directly (no stack needed), then verify the boot",
    )
    .option("--cloud <cloud>", "azure or aws (default: aws with --instance-id, else azure)")
    .option("--resource-group <rg>", "Azure: resource group of the VM")
    .option("--vm <name>", "Azure: name of the VM")
    .option(
      "--subscription <id>",
      "Azure: subscription of the VM (default AZURE_SUBSCRIPTION_ID, else az account show)",
    )
    .option(
      "--original-disk <id>",
      "Azure: the disk to put back, when the VM's OS disk does not name it (vm-rescue:copy-of)",
    )
    .option("--instance-id <id>", "AWS: instance id (i-...)")
    .option("--region <region>", "AWS: region of the instance (default AWS_REGION)")
    .option(
      "--original-volume <id>",
      "AWS: the volume to put back, when the root volume does not name it (vm-rescue:copy-of) or the rescue's tags do not find it",
    )
    .option(
      "--verify-timeout <minutes>",
      "how long to wait for the VM to boot after the rollback",
      "20",
    )
    .option(
      "--via-stack",
      "instead: config rollback=true on the incident's stack, then pulumi up (needs the stack and the Pulumi CLI)",
    )
    .option(
      "--stack <name>",
      "the incident's stack: with --via-stack the stack to update; else the rescue whose copy is rolled back",
    )
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .option("--json", "print the result as JSON")
    .action((opts: RollbackOptions) =>
      runAction(ctx, () =>
        opts.viaStack ? rollbackViaStack(ctx, opts, deps) : rollbackDirect(ctx, opts, rollbackDeps),
      ),
    );
}

function verifyMinutes(text: string | undefined): number {
  const n = Number(text ?? "20");
  if (!Number.isFinite(n) || n <= 0 || n > 240)
    throw new UsageError(
      `--verify-timeout must be minutes between 1 and 240, not ${JSON.stringify(text)}`,
    );
  return n;
}

async function rollbackDirect(
  ctx: CliContext,
  opts: RollbackOptions,
  deps: typeof rollbackDeps,
): Promise<number> {
  if (opts.originalDisk !== undefined && opts.cloud === "aws")
    throw new UsageError("--original-disk is for --cloud azure; use --original-volume on aws");
  const target = targetOf(
    {
      cloud: opts.cloud,
      resourceGroup: opts.resourceGroup,
      vm: opts.vm,
      instanceId: opts.instanceId,
      region: opts.region,
    },
    "rollback",
  );
  if (target.cloud === "azure" && opts.originalVolume !== undefined)
    throw new UsageError("rollback: --original-volume is for --cloud aws, not azure");
  if (target.cloud === "aws" && opts.subscription !== undefined)
    throw new UsageError("rollback: --subscription is for --cloud azure, not aws");
  const minutes = verifyMinutes(opts.verifyTimeout);
  if (!opts.yes && !ctx.io.isTty)
    throw new UsageError(
      `refusing to roll back ${target.label} without --yes when not on a terminal`,
    );
  const { rollBackDirectly, rollbackResultLine } = engine();
  const confirm = async (what: string) => {
    if (!opts.yes && !(await deps.confirm(`This will ${what}. Continue?`)))
      throw new UsageError("not confirmed; nothing was done");
  };
  let result: RollbackResult;
  try {
    result = await rollBackDirectly(
      target,
      {
        subscription: opts.subscription,
        originalDisk: opts.originalDisk,
        region: opts.region,
        originalVolume: opts.originalVolume,
        stack: opts.stack,
        verifyMinutes: minutes,
      },
      deps,
      { log: (line) => ctx.io.err(line), confirm },
    );
  } catch (e) {
    if (e instanceof UsageError) throw e;
    ctx.io.err(`vm-rescue: rollback of ${target.label} failed: ${firstLine(e)}`);
    return ExitCode.Failed;
  }
  ctx.io.out(opts.json ? JSON.stringify(result, null, 2) : rollbackResultLine(result));
  return result.rolledBack && result.booted !== false ? ExitCode.Ok : ExitCode.Failed;
}

/** `rollback=true` on the incident's stack, then `up` puts the replaced OS disk back. */
async function rollbackViaStack(
  ctx: CliContext,
  opts: RollbackOptions,
  deps: RescueDeps,
): Promise<number> {
  const target = targetOf(
    {
      cloud: opts.cloud,
      resourceGroup: opts.resourceGroup,
      vm: opts.vm,
      instanceId: opts.instanceId,
      region: opts.region,
    },
    "rollback",
  );
  for (const [flag, v] of [
    ["--original-disk", opts.originalDisk],
    ["--original-volume", opts.originalVolume],
    ["--subscription", opts.subscription],
  ] as const) {
    if (v !== undefined)
      throw new UsageError(`${flag} is for the direct rollback, not --via-stack`);
  }
  const { requireRollbackSetting, rollBackThroughStack, unlockLine } = engine();
  requireRollbackSetting();
  const stackName = opts.stack ?? target.defaultStack;
  const automation = deps.automation();
  await confirmOrRefuse(
    ctx,
    deps,
    opts.yes,
    `put the replaced OS disk back on ${target.label} (stack ${stackName})`,
    automation,
  );
  try {
    const r = await interruptible(ctx, `the rollback on stack ${stackName}`, (signal) =>
      rollBackThroughStack(automation, stackName, target, terminalUi(ctx), signal),
    );
    ctx.io.out(r.line);
    return r.rolledBack ? ExitCode.Ok : ExitCode.Failed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const error = EngineError.from(e);
    if (error.kind !== "failed") ctx.io.err(unlockLine(stackName, automation.workDir));
    ctx.io.err(`vm-rescue: rollback on stack ${stackName} failed: ${error.message}`);
    return ExitCode.Failed;
  }
}
