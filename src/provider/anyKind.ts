/** A step kind of any inputs and outputs, as the plugin holds them by token. */
import type { StepKind } from "../steps/contract";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStepKind = StepKind<any, any>;
