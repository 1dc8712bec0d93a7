// Library entry: the components platform stacks import (and the cross-language plugin hosts).
export { AzureWindowsRescue } from "./clouds/azure/component";
export type { AzureWindowsRescueArgs } from "./clouds/azure/component";
export { AwsWindowsRescue } from "./clouds/aws/component";
export type { AwsWindowsRescueArgs } from "./clouds/aws/component";
export { StandbyHelper } from "./clouds/azure/standbyHelper";
export type { StandbyHelperArgs } from "./clouds/azure/standbyHelper";
export { AwsStandbyHelper } from "./clouds/aws/standbyHelper";
export type { AwsStandbyHelperArgs } from "./clouds/aws/standbyHelper";

// The pure layers, for platform stacks and pipelines that want one step alone — e.g. the
// guest-driver check before a planned migration, or triage of dumps collected another way.
export { checkGuestDrivers, blocksSwap, summarizeFindings } from "./drivers/check";
export type { DriverFinding } from "./drivers/types";
export { triageDump, triageFiles } from "./triage/index";
export type { TriageResult } from "./triage/types";
export { planRepair } from "./repair/plan";
export { planAzureRescue } from "./topology/azure";
export { planAwsRescue } from "./topology/aws";
export { parseCollectOutput, parseRepairResult } from "./collect/validate";
export type { CollectOutput, RepairPlan, RepairResult } from "./collect/contract";
