import { parseCollectOutput, ScriptOutputError } from "../../collect/validate";
import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { readJsonFile } from "../readJson";
import type { CollectOutput } from "../../collect/contract";
import type { Cloud, DriverFinding } from "../../drivers/types";
import { blocksSwap, checkGuestDrivers, inferCloud, summarizeFindings } from "../../drivers/check";
import { COMPATIBILITY_TABLE } from "../../drivers/table";

interface CheckDriversOptions {
  cloud?: string;
  instanceType?: string;
  hostBuild?: string;
  json?: boolean;
}

const CLOUDS: readonly Cloud[] = ["azure", "aws", "hyperv"];

/** Registers `vm-rescue check-drivers`: the guest-driver compatibility check on a collect output. */
export function registerCheckDrivers(program: Command, ctx: CliContext): void {
  program
    .command("check-drivers")
    .description(
      "check the guest drivers (integration services) on a collected OS disk; exit 4 when something blocks the swap",
    )
    .argument("<collect-output.json>", "the document collect.ps1 printed")
    .option(
      "--cloud <cloud>",
      "azure | aws | hyperv (default: from the guest components on the disk)",
    )
    .option(
      "--instance-type <type>",
      "AWS: the instance type the disk will boot on, e.g. m6i.large",
    )
    .option("--host-build <n>", "Hyper-V: build number of the host, e.g. 17763")
    .option("--json", "print the findings as a JSON array")
    .action((file: string, opts: CheckDriversOptions) =>
      runAction(ctx, async () => checkDrivers(ctx, file, opts)),
    );
}

function checkDrivers(ctx: CliContext, file: string, opts: CheckDriversOptions): number {
  const { collect, cloud, instanceType, hostBuild } = readCheckTarget(file, opts);
  const findings = checkGuestDrivers(collect, { cloud, instanceType, hostBuild });
  ctx.io.out(
    opts.json
      ? JSON.stringify(findings, null, 2)
      : renderFindings(findings, collect, cloud, instanceType),
  );
  return blocksSwap(findings) ? ExitCode.Blocked : ExitCode.Ok;
}

/** Where a collected disk will boot, from the command line: cloud, AWS instance type, Hyper-V host build. */
export interface CheckTarget {
  collect: CollectOutput;
  cloud: Cloud;
  instanceType?: string;
  hostBuild?: number;
}

/** Reads the collect output and the target options shared by check-drivers and plan-repair; usage errors for bad ones. */
export function readCheckTarget(
  file: string,
  opts: { cloud?: string; instanceType?: string; hostBuild?: string },
): CheckTarget {
  const collect = readCollectOutput(file);
  const instanceType = opts.instanceType?.trim();
  if (instanceType !== undefined && !/^[A-Za-z0-9-]+\.[A-Za-z0-9-]+$/.test(instanceType)) {
    throw new UsageError(
      `--instance-type must look like family.size (e.g. m6i.large), got ${JSON.stringify(opts.instanceType)}`,
    );
  }
  let hostBuild: number | undefined;
  if (opts.hostBuild !== undefined) {
    if (!/^\d{1,6}$/.test(opts.hostBuild.trim()) || Number(opts.hostBuild) === 0) {
      throw new UsageError(
        `--host-build must be a Windows build number (e.g. 17763), got ${JSON.stringify(opts.hostBuild)}`,
      );
    }
    hostBuild = Number(opts.hostBuild);
  }
  const cloud = resolveCloud(opts.cloud, collect, instanceType, hostBuild);
  if (instanceType !== undefined && cloud !== "aws")
    throw new UsageError(`--instance-type is for --cloud aws, not ${cloud}`);
  if (hostBuild !== undefined && cloud !== "hyperv")
    throw new UsageError(`--host-build is for --cloud hyperv, not ${cloud}`);

  return { collect, cloud, instanceType, hostBuild };
}

function resolveCloud(
  given: string | undefined,
  collect: CollectOutput,
  instanceType?: string,
  hostBuild?: number,
): Cloud {
  if (given !== undefined) {
    const cloud = given.trim().toLowerCase();
    if (!CLOUDS.includes(cloud as Cloud))
      throw new UsageError(`unknown cloud ${JSON.stringify(given)}: use azure, aws or hyperv`);
    return cloud as Cloud;
  }
  const inferred = inferCloud(collect, { instanceType, hostBuild });
  if (!inferred)
    throw new UsageError(
      "cannot tell the cloud from the guest components on the disk; pass --cloud azure|aws|hyperv",
    );
  return inferred;
}

/**
 * Reads and checks a collect output. A minimal structural check for now; it becomes the shared
 * collect-output validation once that exists.
 */
export function readCollectOutput(file: string): CollectOutput {
  try {
    return parseCollectOutput(readJsonFile(file, "collect output"));
  } catch (e) {
    if (e instanceof ScriptOutputError)
      throw new UsageError(`${file} is not a valid collect output: ${e.message}`);
    throw e;
  }
}

/** Findings as a table with the reason, remedy and source under each row, then the summary line. */
export function renderFindings(
  findings: readonly DriverFinding[],
  collect: CollectOutput,
  cloud: Cloud,
  instanceType?: string,
): string {
  const target = cloud === "aws" && instanceType ? `aws (${instanceType})` : cloud;
  const lines = [
    `Guest-driver check: ${collect.os.productName} (build ${collect.os.build}) on ${target}, table ${COMPATIBILITY_TABLE.version} (${COMPATIBILITY_TABLE.updated})`,
  ];
  if (findings.length > 0) {
    const rows = findings.map((f) => [
      f.severity.toUpperCase(),
      f.component,
      f.found ?? "(absent)",
      f.required,
    ]);
    const width = [0, 1, 2].map((i) =>
      Math.max(...[["SEVERITY", "COMPONENT", "FOUND"][i].length, ...rows.map((r) => r[i].length)]),
    );
    const row = (cells: string[]) =>
      cells.map((c, i) => (i < 3 ? c.padEnd(width[i]) : c)).join("  ");
    const indent = " ".repeat(width[0] + 2);
    lines.push("", row(["SEVERITY", "COMPONENT", "FOUND", "REQUIRED"]));
    findings.forEach((f, i) => {
      lines.push(row(rows[i]), `${indent}${f.reason}`, `${indent}remedy: ${f.remedy}`);
      if (f.remedyAction)
        lines.push(
          `${indent}offline fix: ${f.remedyAction.action} ${JSON.stringify(f.remedyAction.args)}`,
        );
      lines.push(`${indent}source: ${f.source}`);
    });
  }
  lines.push("", summarizeFindings(findings));
  return lines.join("\n");
}
