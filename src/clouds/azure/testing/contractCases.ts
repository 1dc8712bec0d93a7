/**
 * The plugin's contract cases of the azure step kinds: one per kind in AZURE_STEP_KINDS
 * (shape: src/steps/testing/contractCase.ts).
 */
import type { StepContractCase } from "../../../steps/testing/contractCase";

export const AZURE_CONTRACT_CASES: readonly StepContractCase[] = [];
