/**
 * Which VM a rescue or a rollback is for, from the command line's flags, checked: the cloud (given,
 * or AWS when an instance is named), the VM or the instance, and the incident's default stack.
 * Bad or foreign flags are a {@link UsageError} naming the flag; nothing has run yet.
 */
import { UsageError } from "../vocabulary/exitCodes";
import { rescueIdFromStack } from "./program";
import { awsStackName } from "./simulate/rescue";
import { cloudOfFlags } from "./targetCloud";

/** Which VM a command is for, checked. */
export type VmTarget = (
  | { cloud: "azure"; resourceGroup: string; vm: string }
  | { cloud: "aws"; instanceId: string; region?: string }
) & {
  /** How the VM is named in questions and messages. */
  label: string;
  /** The incident's stack when --stack is not given. */
  defaultStack: string;
};

/** The flags that name the VM (and, with --simulate, the files that describe it). */
export interface TargetFlags {
  cloud?: string;
  resourceGroup?: string;
  vm?: string;
  instanceId?: string;
  region?: string;
  mode?: string;
  kmsGrantConfirmed?: boolean;
  simulate?: boolean;
  azureVm?: string;
  nic?: string;
  awsInstance?: string;
  volumes?: string;
}

const AZURE_ONLY: [keyof TargetFlags, string][] = [
  ["resourceGroup", "--resource-group"],
  ["vm", "--vm"],
  ["azureVm", "--azure-vm"],
  ["nic", "--nic"],
];
const AWS_ONLY: [keyof TargetFlags, string][] = [
  ["instanceId", "--instance-id"],
  ["region", "--region"],
  ["mode", "--mode"],
  ["kmsGrantConfirmed", "--kms-grant-confirmed"],
  ["awsInstance", "--aws-instance"],
  ["volumes", "--volumes"],
];

/** Which VM, checked; throws UsageError. With --simulate the VM comes from the description files. */
export function targetOf(opts: TargetFlags, command: string): VmTarget {
  const cloud = cloudOfFlags(opts);
  if (cloud !== "azure" && cloud !== "aws")
    throw new UsageError(`--cloud must be azure or aws, not ${JSON.stringify(cloud)}`);
  const foreign = (cloud === "azure" ? AWS_ONLY : AZURE_ONLY).find(([k]) => opts[k] !== undefined);
  if (foreign)
    throw new UsageError(
      `${command}: ${foreign[1]} is for --cloud ${cloud === "azure" ? "aws" : "azure"}, not ${cloud}`,
    );
  if (opts.mode !== undefined && opts.mode !== "copy" && opts.mode !== "inPlace")
    throw new UsageError(`--mode must be copy or inPlace, not ${JSON.stringify(opts.mode)}`);
  if (cloud === "aws") {
    if (!opts.simulate && !opts.instanceId)
      throw new UsageError(`${command} --cloud aws needs --instance-id <i-...>`);
    if (opts.instanceId !== undefined && !/^i-[0-9a-f]{8,17}$/.test(opts.instanceId))
      throw new UsageError(
        `--instance-id must look like i-0123456789abcdef0, not ${JSON.stringify(opts.instanceId)}`,
      );
    const instanceId = opts.instanceId ?? "";
    return {
      cloud,
      instanceId,
      region: opts.region,
      label: `instance ${instanceId}${opts.region ? ` (${opts.region})` : ""}`,
      defaultStack: awsStackName(instanceId),
    };
  }
  if (!opts.simulate && (!opts.resourceGroup || !opts.vm))
    throw new UsageError(`${command} --cloud azure needs --resource-group <rg> and --vm <name>`);
  const resourceGroup = opts.resourceGroup ?? "";
  const vm = opts.vm ?? "";
  return {
    cloud,
    resourceGroup,
    vm,
    label: `VM ${resourceGroup}/${vm}`,
    defaultStack: rescueIdFromStack(`${vm}-rescue`),
  };
}
