/**
 * The Run Commands of the Azure rescue: the recovery scripts with validated, bound parameters
 * (`src/guest/embed.ts`; values never become script text) and where their output goes.
 */
import type { AzureRescuePlan } from "../../topology/azure";
import { azureRunCommandSource, type AzureRunCommandSource } from "../../guest/embed";
import { validateCollectParams, type RepairParams } from "../../guest/params.generated";
import { RUN_COMMAND_NAMES } from "../../vocabulary/tokens";

/** The repair run command's name and blobs (next to the collect's in the artifacts container). */
export const REPAIR_RUN_COMMAND = {
  name: RUN_COMMAND_NAMES.repair,
  outputBlob: "repair/output.json",
  errorBlob: "repair/error.txt",
  resultFile: "C:\\vm-rescue\\repair-result.json",
} as const;

/** The collect run command of a plan: collect.ps1 writing its document on the helper, printing it to the output blob. */
export function collectRunCommand(plan: AzureRescuePlan): AzureRunCommandSource {
  return azureRunCommandSource(
    "collect.ps1",
    validateCollectParams({ OutputPath: plan.runCommands.collect.resultFile }),
  );
}

/** The repair run command: repair.ps1 with the parameters the triage derived from the plan. */
export function repairRunCommand(params: RepairParams): AzureRunCommandSource {
  return azureRunCommandSource("repair.ps1", {
    ...params,
    OutputPath: params.OutputPath ?? REPAIR_RUN_COMMAND.resultFile,
  });
}
