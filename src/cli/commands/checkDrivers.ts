import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode } from "../../vocabulary/exitCodes";
import { readCheckTarget } from "../../engine/checkTarget";
import type { CollectOutput } from "../../collect/contract";
import type { Cloud, DriverFinding } from "../../drivers/types";
import { blocksSwap, checkGuestDrivers, summarizeFindings } from "../../drivers/check";
import { COMPATIBILITY_TABLE } from "../../drivers/table";

interface CheckDriversOptions {
  cloud?: string;
  instanceType?: string;
  hostBuild?: string;
  json?: boolean;
}

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
