/**
 * The outputs of the rescue components (the stack outputs of `pulumi up`), declared once for both
 * clouds: the same fact has the same name on Azure and AWS. The components implement these
 * interfaces; the report, the evidence step and the simulations read the stack outputs through them.
 */

/** What both components export. */
export interface RescueOutputs {
  /** Id of the backup snapshot of the original OS disk or root volume (kept). */
  snapshotId: string;
  /**
   * Id of the disk the helper repairs (kept): Azure the copy of the OS disk; AWS the copy (copy
   * mode) or the original root volume itself (inPlace).
   */
  repairDiskId: string;
  /** Id of the original OS disk or root volume: never deleted, what a rollback puts back. */
  originalDiskId: string;
  /** Id of the helper VM or instance (removed on destroy). */
  helperId: string;
  /**
   * Where the artifacts are kept: the private blob container's URL (Azure), the rescue's prefix
   * `s3://<bucket>/rescue/<id>/` (AWS); the shipped files are under `collect/` and `repaired/` of it.
   */
  artifactsLocation: string;
  /** The collect script's JSON output: a blob URL (Azure), an SSM output folder `s3://…/` (AWS). */
  collectOutputUrl: string;
  /** The collect command's final state as the cloud reports it (Azure `Succeeded`, AWS `Success`, ...). */
  collectStatus: string;
  /** The repair script's result document: a blob URL (Azure), an SSM output folder `s3://…/` (AWS). */
  repairResultUrl: string;
  /** The repair command's final state as the cloud reports it. */
  repairStatus: string;
  /** Things the planner wants a person to know. */
  warnings: string[];
  /** One line per minidump: bug check and culprit. */
  triageSummary: string[];
  /** One line per guest-driver finding (blocking ones first). */
  findings: string[];
  /** The repair decision, one line each: `Action: reason` for every chosen action, then notes. */
  decision: string[];
  /** The repair actions repair.ps1 runs, in order (empty when there is nothing to repair). */
  repairActions: string[];
  /** Whether the swap may happen, and every reason why not. */
  gate: { allowed: boolean; reasons: string[] };
  /** True once the repaired disk is the VM's OS disk / the instance's root. */
  swapped: boolean;
  /** True when the VM came up after the swap (false when no swap ran). */
  booted: boolean;
  /** The check of the hives the repair returned against the plan, before the swap. */
  repairCheck: RepairCheckOutput;
}

/** The `repairCheck` output: what the check after the repair compared and found. */
export interface RepairCheckOutput {
  /** True when the returned hives hold exactly what the plan writes (true when not checked). */
  ok: boolean;
  /** Values and elements compared. */
  checked: number;
  /** Where the returned hives differ from the plan: each one closed the swap gate. */
  differences: { where: string; kind: string; expected: string; found: string }[];
  /** True when the returned hives were read and compared (a collect manifest run). */
  checkedRaw: boolean;
  /** Why nothing was checked (a collect.ps1 1.x document). */
  reason?: string;
}

/** A resource that outlives `pulumi destroy` (kinds as in the report: snapshot, originalDisk, repairedDisk, artifacts). */
export interface KeptResourceOutput {
  kind: string;
  /** The resource's id, or the artifacts' location. */
  id: string;
}

/** What only the Azure component exports. */
export interface AzureRescueOutputs extends RescueOutputs {
  /** What the swap, the boot verification and the rollback report (why nothing was swapped, ...). */
  outcome: string[];
  /** True when the boot verification failed and `rollback=true` would put the original disk back. */
  rollbackOffered: boolean;
  /** The boots verified after the swap, in order: "normal", or "safe-mode" then "normal" once reverted. */
  verifiedBoots: string[];
  /** What a person must still do after the boot verification (safe mode not reverted), with the commands. */
  leftForPerson: string[];
  /** What outlives `pulumi destroy`. */
  keptResources: KeptResourceOutput[];
  /** True when the run found the VM already on the repaired copy. */
  alreadySwapped: boolean;
  /** The diagnosis read straight from the backup snapshot while the helper booted (one line). */
  snapshotDiagnosis: string[];
}

/** What only the AWS component exports. */
export interface AwsRescueOutputs extends RescueOutputs {
  /** `copy` or `inPlace`. */
  mode: string;
  /** The broken instance's type. */
  instanceType: string;
  /** The type the guest-driver check is made against. */
  targetInstanceType: string;
  /** The backup snapshot's state once the rescue waited for it (`completed`). */
  backupState: string;
  /** ISO time the backup snapshot completed (inPlace repairs while it is pending). */
  backupCompletedAt: string;
}

/**
 * Stack outputs as read back (either cloud, any version of the program): every declared name may
 * be missing and no value is trusted until checked.
 */
export type StackOutputs = { [K in keyof (AzureRescueOutputs & AwsRescueOutputs)]?: unknown };
