import * as fs from "fs";
import * as path from "path";
import type { AzureRescuePlan } from "../../planner/azure";

/** What a managed Run Command needs: the script and its parameters (never spliced into the text). */
export interface RunCommandSpec {
  source: { script: string };
  parameters: { name: string; value: string }[];
}

/** The collect run command of a plan. */
export function collectRunCommand(plan: AzureRescuePlan): RunCommandSpec {
  const file = path.join(__dirname, "..", "..", "scripts", "collect.ps1");
  const script = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "param()\n";
  return { source: { script }, parameters: [{ name: "ResultPath", value: plan.runCommands.collect.resultFile }] };
}
