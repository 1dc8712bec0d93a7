/** Every step kind the plugin serves: both clouds' lists. */
import { AZURE_STEP_KINDS } from "../clouds/azure/kinds";
import { AWS_STEP_KINDS } from "../clouds/aws/kinds";
import type { AnyStepKind } from "./anyKind";

export const ALL_STEP_KINDS: readonly AnyStepKind[] = [...AZURE_STEP_KINDS, ...AWS_STEP_KINDS];
