/**
 * The step kinds of the aws rescue, as the `vm-rescue` provider plugin serves them. One file per
 * concept in this folder; this list is what the plugin and the offline simulation know.
 */
import type { StepKind } from "../../steps/contract";
import { backupSnapshotKind } from "./snapshots";
import { backupCompletionKind } from "./backupCompletion";
import { rootVolumeDetachKind, rootVolumeSwapKind } from "./swap";
import { ssmCommandKind } from "./scripts";
import { repairCheckKind } from "./repairCheck";
import { bootVerificationKind } from "./bootVerification";
import { rootVolumeRollbackKind } from "./rollbackStep";
import { standbyUseKind } from "./standby";
import { standbyStopKind } from "./standbyHelper";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const AWS_STEP_KINDS: readonly StepKind<any, any>[] = [
  backupSnapshotKind,
  backupCompletionKind,
  rootVolumeDetachKind,
  ssmCommandKind,
  repairCheckKind,
  rootVolumeSwapKind,
  bootVerificationKind,
  rootVolumeRollbackKind,
  standbyUseKind,
  standbyStopKind,
];
