/**
 * The Run Commands of the Azure rescue: the recovery scripts with validated, bound parameters
 * (`src/guest/embed.ts`; values never become script text) and where their output goes. Both
 * scripts ship files into the artifacts container (`collect/<name>`, `repaired/<name>`,
 * src/collect/layout.ts), written with the helper's managed identity (no SAS in any parameter).
 */
import type { AzureRescuePlan } from "../../topology/azure";
import { azureRunCommandSource, type AzureRunCommandSource } from "../../guest/embed";
import { validateCollectParams, type RepairParams } from "../../guest/params.generated";
import { shippedFileUrl } from "../../collect/layout";
import {
  COLLECT_MAX_MINIDUMPS,
  GUEST_BINARY_PATHS,
  REPAIRED_NAMES,
  uploadNames,
} from "../../collect/manifest";
import { RUN_COMMAND_NAMES } from "../../vocabulary/tokens";
import { encodeOperations, type CompiledRepair } from "../../repair/operations";

/** The repair run command's name and blobs (next to the collect's in the artifacts container). */
export const REPAIR_RUN_COMMAND = {
  name: RUN_COMMAND_NAMES.repair,
  outputBlob: "repair/output.json",
  errorBlob: "repair/error.txt",
  resultFile: "C:\\vm-rescue\\repair-result.json",
} as const;

export { COLLECT_MAX_MINIDUMPS, REPAIRED_NAMES } from "../../collect/manifest";

/** `{"name":"url",…}` for repair.ps1 / collect.ps1's `-UploadUrls`: blobs under `stage/` of the container. */
export function uploadUrls(
  containerUrl: string,
  stage: "collect" | "repaired",
  names: readonly string[],
): string {
  return JSON.stringify(
    Object.fromEntries(names.map((n) => [n, shippedFileUrl(containerUrl, stage, n)])),
  );
}

/**
 * The collect run command of a plan: collect.ps1 shipping the raw evidence to `collect/` of the
 * artifacts container and printing its manifest to the output blob.
 */
export function collectRunCommand(
  plan: AzureRescuePlan,
  containerUrl: string,
): AzureRunCommandSource {
  return azureRunCommandSource(
    "collect.ps1",
    validateCollectParams({
      OutputPath: plan.runCommands.collect.resultFile,
      MaxMinidumps: COLLECT_MAX_MINIDUMPS,
      FileFactPaths: Object.values(GUEST_BINARY_PATHS),
      UploadUrls: uploadUrls(containerUrl, "collect", uploadNames(COLLECT_MAX_MINIDUMPS)),
      UploadKind: "AzureBlob",
    }),
  );
}

/**
 * The repair run command: repair.ps1 with the parameters the triage derived from the plan and the
 * plan compiled into operations (`-Operations`, what repair.ps1 2.0 executes), shipping the
 * repaired SYSTEM hive and BCD store back to `repaired/` for the check before the swap.
 */
export function repairRunCommand(
  params: RepairParams,
  containerUrl: string,
  operations?: CompiledRepair,
): AzureRunCommandSource {
  return azureRunCommandSource("repair.ps1", {
    ...params,
    ...(operations ? { Operations: encodeOperations(operations) } : {}),
    OutputPath: params.OutputPath ?? REPAIR_RUN_COMMAND.resultFile,
    UploadUrls: uploadUrls(containerUrl, "repaired", REPAIRED_NAMES),
    UploadKind: "AzureBlob",
  });
}
