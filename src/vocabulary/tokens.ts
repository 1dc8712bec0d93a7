/**
 * The names Pulumi knows the rescue by: the package, the type tokens of the two components and of
 * the steps the provider plugin serves. Declared once here for both clouds: the same step has the same kind on
 * Azure and AWS (`BootVerification`), and parallel steps have parallel kinds (`OsDiskSwap` /
 * `RootVolumeSwap`, `OsDiskRollback` / `RootVolumeRollback`).
 */

/** The npm package, the Pulumi project (config namespace) and the component package. */
export const PACKAGE_NAME = "vm-rescue";

/** Type tokens of the components: `vm-rescue:index:<Component>`. */
export const COMPONENT_TYPES = {
  azure: `${PACKAGE_NAME}:index:AzureWindowsRescue`,
  aws: `${PACKAGE_NAME}:index:AwsWindowsRescue`,
  standbyHelper: `${PACKAGE_NAME}:index:StandbyHelper`,
  awsStandbyHelper: `${PACKAGE_NAME}:index:AwsStandbyHelper`,
} as const;

/** The kinds of the steps per cloud; the keys they share name the same step. */
export const STEP_KINDS = {
  azure: {
    collectTriage: "CollectTriage",
    repairCheck: "RepairCheck",
    swap: "OsDiskSwap",
    bootVerification: "BootVerification",
    rollback: "OsDiskRollback",
    snapshotDiagnosis: "SnapshotDiagnosis",
    standbyUse: "StandbyHelperUse",
    standbyStop: "StandbyHelperStop",
    attach: "DataDiskAttach",
    stop: "VmDeallocate",
  },
  aws: {
    backupSnapshot: "BackupSnapshot",
    backupCompletion: "BackupCompletion",
    detach: "RootVolumeDetach",
    command: "SsmCommand",
    repairCheck: "RepairCheck",
    swap: "RootVolumeSwap",
    bootVerification: "BootVerification",
    rollback: "RootVolumeRollback",
    standbyUse: "StandbyHelperUse",
    standbyStop: "StandbyHelperStop",
  },
} as const;

type Kinds = typeof STEP_KINDS;

/** The type token of a step the `vm-rescue` provider plugin serves: `vm-rescue:<cloud>:<Kind>`. */
export function stepType<C extends "azure" | "aws", K extends string>(
  cloud: C,
  kind: K,
): `vm-rescue:${C}:${K}` {
  return `${PACKAGE_NAME}:${cloud}:${kind}` as `vm-rescue:${C}:${K}`;
}

/** The type tokens of the steps, by cloud and step (the kinds are {@link STEP_KINDS}). */
export const STEP_TYPES = {
  azure: Object.fromEntries(
    Object.entries(STEP_KINDS.azure).map(([k, v]) => [k, stepType("azure", v)]),
  ) as { [K in keyof Kinds["azure"]]: `vm-rescue:azure:${Kinds["azure"][K]}` },
  aws: Object.fromEntries(
    Object.entries(STEP_KINDS.aws).map(([k, v]) => [k, stepType("aws", v)]),
  ) as { [K in keyof Kinds["aws"]]: `vm-rescue:aws:${Kinds["aws"][K]}` },
};

/** Names of the Run Commands on the Azure helper, one per guest script. */
export const RUN_COMMAND_NAMES = {
  collect: "vmrescue-collect",
  repair: "vmrescue-repair",
} as const;
