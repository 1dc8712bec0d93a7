/**
 * The names Pulumi knows the rescue by: the package, the type tokens of the two components and of
 * the dynamic resources. Declared once here for both clouds: the same step has the same kind on
 * Azure and AWS (`BootVerification`), and parallel steps have parallel kinds (`OsDiskSwap` /
 * `RootVolumeSwap`, `OsDiskRollback` / `RootVolumeRollback`).
 */

/** The npm package, the Pulumi project (config namespace) and the component package. */
export const PACKAGE_NAME = "vm-rescue";

/** Type tokens of the components: `vm-rescue:index:<Component>`. */
export const COMPONENT_TYPES = {
  azure: `${PACKAGE_NAME}:index:AzureWindowsRescue`,
  aws: `${PACKAGE_NAME}:index:AwsWindowsRescue`,
} as const;

/** Module of the dynamic resources of both clouds: types read `pulumi-nodejs:dynamic/vm-rescue:<Kind>`. */
export const DYNAMIC_MODULE = PACKAGE_NAME;

/** The kinds of the dynamic resources per cloud; the keys they share name the same step. */
export const DYNAMIC_KINDS = {
  azure: {
    collectTriage: "CollectTriage",
    repairCheck: "RepairCheck",
    swap: "OsDiskSwap",
    bootVerification: "BootVerification",
    rollback: "OsDiskRollback",
  },
  aws: {
    backupSnapshot: "BackupSnapshot",
    detach: "RootVolumeDetach",
    command: "SsmCommand",
    swap: "RootVolumeSwap",
    bootVerification: "BootVerification",
    rollback: "RootVolumeRollback",
  },
} as const;

type Kinds = typeof DYNAMIC_KINDS;

/** The type token of a step the `vm-rescue` provider plugin serves: `vm-rescue:<cloud>:<Kind>`. */
export function stepType<C extends "azure" | "aws", K extends string>(
  cloud: C,
  kind: K,
): `vm-rescue:${C}:${K}` {
  return `${PACKAGE_NAME}:${cloud}:${kind}` as `vm-rescue:${C}:${K}`;
}

/** The type tokens of the steps, by cloud and step (the kinds are {@link DYNAMIC_KINDS}). */
export const STEP_TYPES = {
  azure: Object.fromEntries(
    Object.entries(DYNAMIC_KINDS.azure).map(([k, v]) => [k, stepType("azure", v)]),
  ) as { [K in keyof Kinds["azure"]]: `vm-rescue:azure:${Kinds["azure"][K]}` },
  aws: Object.fromEntries(
    Object.entries(DYNAMIC_KINDS.aws).map(([k, v]) => [k, stepType("aws", v)]),
  ) as { [K in keyof Kinds["aws"]]: `vm-rescue:aws:${Kinds["aws"][K]}` },
};

/** The full type token of a dynamic resource kind. */
export function dynamicType<K extends string>(kind: K): `pulumi-nodejs:dynamic/vm-rescue:${K}` {
  return `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${kind}` as `pulumi-nodejs:dynamic/vm-rescue:${K}`;
}

/** The full type tokens of the dynamic resources, by cloud and step. */
export const DYNAMIC_TYPES = {
  azure: Object.fromEntries(
    Object.entries(DYNAMIC_KINDS.azure).map(([k, v]) => [k, dynamicType(v)]),
  ) as { [K in keyof Kinds["azure"]]: `pulumi-nodejs:dynamic/vm-rescue:${Kinds["azure"][K]}` },
  aws: Object.fromEntries(
    Object.entries(DYNAMIC_KINDS.aws).map(([k, v]) => [k, dynamicType(v)]),
  ) as { [K in keyof Kinds["aws"]]: `pulumi-nodejs:dynamic/vm-rescue:${Kinds["aws"][K]}` },
};

/**
 * The type tokens the AWS dynamic resources had before they shared the `vm-rescue` module and
 * Azure's kind names. The resources carry them as aliases, so a stack created before the rename
 * keeps its step resources (a re-created step would run again: stop the instance, swap again).
 */
export const LEGACY_AWS_DYNAMIC_TYPES: { [K in keyof Kinds["aws"]]: string } = {
  backupSnapshot: "pulumi-nodejs:dynamic/vmrescue:BackupSnapshot",
  detach: "pulumi-nodejs:dynamic/vmrescue:RootDetach",
  command: "pulumi-nodejs:dynamic/vmrescue:SsmCommand",
  swap: "pulumi-nodejs:dynamic/vmrescue:RootSwap",
  bootVerification: "pulumi-nodejs:dynamic/vmrescue:BootVerify",
  rollback: "pulumi-nodejs:dynamic/vmrescue:Rollback",
};

/** Names of the Run Commands on the Azure helper, one per guest script. */
export const RUN_COMMAND_NAMES = {
  collect: "vmrescue-collect",
  repair: "vmrescue-repair",
} as const;
