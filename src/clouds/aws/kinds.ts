/**
 * The step kinds of the aws rescue, as the `vm-rescue` provider plugin serves them. One file per
 * kind in this folder; this list is what the plugin and the offline simulation know.
 */
import type { StepKind } from "../../steps/contract";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const AWS_STEP_KINDS: readonly StepKind<any, any>[] = [];
