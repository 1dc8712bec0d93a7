/**
 * The repair as primitive operations: compiled from the plan against the evidence, executed by
 * repair.ps1, and checked on the hives it returns before the swap.
 */
export { compileRepairPlan } from "./compile";
export type { CompileOptions } from "./compile";
export { verifyRepair } from "./verify";
export type { RepairDifference, RepairVerification, RepairedHives } from "./verify";
export { gateAfterRepairCheck } from "./gate";
export * from "./types";
export { checkRepairedDisk } from "./check";
export type { RepairCheckInput } from "./check";
export { assertCompiledRepair, encodeOperations, operationProblems } from "./schema";
