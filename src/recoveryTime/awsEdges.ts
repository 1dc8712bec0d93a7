/**
 * Why each wait of the AWS rescue's step graph exists, per mode (the roles are `awsRoleOf`'s in
 * `aws.ts`). Every wait between two timed steps of a plan has a reason here; `required` waits must
 * be in the graph (directly or through other steps) and are the only ones the floor keeps; the
 * rejected ones must never be (they would only add idle time). `auditEdges` (`edges.ts`) checks a
 * plan against them.
 *
 * The backup is point in time from its start: "The snapshot is created immediately, but it remains
 * in the pending state until all of data has been transferred to Amazon S3 [...] You can continue
 * to use the volume during this time without impacting the snapshot" (Amazon EBS User Guide,
 * "Create Amazon EBS snapshots"; the CreateSnapshot API: "You may remount and use your volume
 * while the snapshot status is pending"). So a write after the snapshot has started keeps the
 * backup guarantee; only a volume *made from* the snapshot needs it completed.
 */
import type { EdgeReason, RejectedEdge } from "./edges";

export type AwsMode = "copy" | "inPlace";

const BACKUP_FIRST =
  "no change to the broken instance or its root before the backup of the root exists";
const STARTED_IS_ENOUGH =
  "the backup is point in time from its start: AWS documents that the volume may be used while the snapshot is pending (EBS User Guide, Create Amazon EBS snapshots)";

/** The waits both modes share, from the helper to the verification. */
const SHARED: EdgeReason[] = [
  {
    step: "attach",
    waitsFor: "helper",
    reason: "the volume is attached to the helper",
    required: true,
  },
  {
    step: "collect",
    waitsFor: "attach",
    reason: "collect.ps1 reads the volume attached as xvdf",
    required: true,
  },
  {
    step: "collect",
    waitsFor: "helper",
    reason: "the command runs on the helper once it is SSM-managed",
    required: true,
  },
  {
    step: "triage",
    waitsFor: "collect",
    reason: "the triage, driver check and repair plan read the collected evidence",
    required: true,
  },
  {
    step: "repair",
    waitsFor: "triage",
    reason: "the repair command carries the actions the triage chose",
    required: true,
  },
  {
    step: "repair",
    waitsFor: "collect",
    reason: "the repair compiles its operations from the hives the collect shipped",
    required: true,
  },
  {
    step: "repair",
    waitsFor: "helper",
    reason: "the command runs on the helper",
    required: true,
  },
  {
    step: "swap",
    waitsFor: "repair",
    reason: "the repaired volume goes in, and only after the check of what the repair wrote",
    required: true,
  },
  {
    step: "swap",
    waitsFor: "collect",
    reason:
      "through the check after the repair, which compares the returned hives with the collected ones",
  },
  {
    step: "swap",
    waitsFor: "helper",
    reason: "the repaired volume comes off the helper",
    required: true,
  },
  {
    step: "swap",
    waitsFor: "snapshot",
    reason: `${BACKUP_FIRST}: the root device is written`,
    required: true,
  },
  {
    step: "verify",
    waitsFor: "swap",
    reason: "the boot of the swapped root is verified",
    required: true,
  },
];

const HELPER_FIRST =
  "the helper (launched, or a standby helper started) needs nothing of the backup or the volume under repair: it boots beside the snapshot and the copy; only the attachment waits for both";

/** The waits of the helper no mode may add. */
const HELPER_REJECTED: RejectedEdge[] = [
  { step: "helper", waitsFor: "snapshot", why: HELPER_FIRST },
  { step: "helper", waitsFor: "backupComplete", why: HELPER_FIRST },
];

export interface AwsEdgeTable {
  reasons: EdgeReason[];
  rejected: RejectedEdge[];
}

/** The reasons and rejected waits of each mode. */
export const AWS_EDGES: Record<AwsMode, AwsEdgeTable> = {
  copy: {
    reasons: [
      {
        step: "copy",
        waitsFor: "snapshot",
        reason:
          "the copy is a volume made from the backup, which needs the snapshot completed (ebs.Snapshot waits for it)",
        required: true,
      },
      { step: "attach", waitsFor: "copy", reason: "the copy is what is attached", required: true },
      {
        step: "swap",
        waitsFor: "copy",
        reason: "the copy is the volume swapped in",
        required: true,
      },
      {
        step: "stop",
        waitsFor: "snapshot",
        reason: `${BACKUP_FIRST}: the stop is the first change`,
        required: true,
      },
      {
        step: "swap",
        waitsFor: "stop",
        reason: "a root comes off a stopped instance only; the stop ran beside the repair",
        required: true,
      },
      {
        step: "verify",
        waitsFor: "snapshot",
        reason: "the rescue is reported done only with its backup completed (backupCompletedAt)",
        required: true,
      },
      ...SHARED,
    ],
    rejected: [
      {
        step: "repair",
        waitsFor: "stop",
        why: "the repair writes the copy: the broken instance's stop is not needed for it",
      },
      {
        step: "collect",
        waitsFor: "stop",
        why: "collect reads the copy: the broken instance's stop is not needed for it",
      },
      {
        step: "stop",
        waitsFor: "repair",
        why: "the stop needs only the backup; after the repair it puts the stop on the critical path",
      },
      {
        step: "stop",
        waitsFor: "collect",
        why: "the stop needs only the backup, not the evidence",
      },
      { step: "helper", waitsFor: "copy", why: HELPER_FIRST },
      ...HELPER_REJECTED,
    ],
  },
  inPlace: {
    reasons: [
      {
        step: "stopDetach",
        waitsFor: "snapshot",
        reason: `${BACKUP_FIRST}; ${STARTED_IS_ENOUGH}`,
        required: true,
      },
      {
        step: "attach",
        waitsFor: "stopDetach",
        reason: "the root is attached to the helper once it is off the stopped instance",
        required: true,
      },
      {
        step: "repair",
        waitsFor: "snapshot",
        reason: `no write to the original root without its backup: the repair checks that the snapshot exists and has not failed; ${STARTED_IS_ENOUGH}`,
        required: true,
      },
      {
        step: "swap",
        waitsFor: "stopDetach",
        reason: "the root goes back to the instance it was taken off",
        required: true,
      },
      {
        step: "backupComplete",
        waitsFor: "snapshot",
        reason: "the snapshot started is the one whose completion is awaited",
        required: true,
      },
      {
        step: "verify",
        waitsFor: "snapshot",
        reason: "the verification names the backup a rollback would make the root from",
      },
      {
        step: "verify",
        waitsFor: "backupComplete",
        reason:
          "the rescue is reported done only with its backup completed (backupCompletedAt): a lost backup fails the up",
        required: true,
      },
      ...SHARED,
    ],
    rejected: [
      {
        step: "repair",
        waitsFor: "backupComplete",
        why: `${STARTED_IS_ENOUGH}: waiting for the completion adds it to the critical path`,
      },
      {
        step: "swap",
        waitsFor: "backupComplete",
        why: `${STARTED_IS_ENOUGH}: the root goes back without waiting for the completion`,
      },
      {
        step: "collect",
        waitsFor: "backupComplete",
        why: "collect only reads the root",
      },
      {
        step: "stopDetach",
        waitsFor: "backupComplete",
        why: STARTED_IS_ENOUGH,
      },
      { step: "helper", waitsFor: "stopDetach", why: HELPER_FIRST },
      ...HELPER_REJECTED,
    ],
  },
};
