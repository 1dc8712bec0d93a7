// Library entry: the components platform stacks import (and the cross-language plugin hosts).
export { AzureWindowsRescue } from "./azure/azureWindowsRescue";
export type { AzureWindowsRescueArgs } from "./azure/azureWindowsRescue";
export { AwsWindowsRescue } from "./aws/awsWindowsRescue";
export type { AwsWindowsRescueArgs } from "./aws/awsWindowsRescue";

// The pure layers, for platform stacks and pipelines that want one step alone — e.g. the
// guest-driver check before a planned migration, or triage of dumps collected another way.
export { checkGuestDrivers, blocksSwap, summarizeFindings } from "../drivers/check";
export type { DriverFinding } from "../drivers/types";
export { triageDump, triageFiles } from "../triage/index";
export type { TriageResult } from "../triage/types";
export { planRepair } from "../planner/repair";
export { planAzureRescue } from "../planner/azure";
export { planAwsRescue } from "../planner/aws";
export { parseCollectOutput, parseRepairResult } from "../scripts/validate";
export type { CollectOutput, RepairPlan, RepairResult } from "../scripts/contract";
