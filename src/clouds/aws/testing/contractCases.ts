/**
 * The plugin's contract cases of the aws step kinds: one per kind in AWS_STEP_KINDS
 * (shape: src/steps/testing/contractCase.ts).
 */
import type { StepContractCase } from "../../../steps/testing/contractCase";

export const AWS_CONTRACT_CASES: readonly StepContractCase[] = [];
