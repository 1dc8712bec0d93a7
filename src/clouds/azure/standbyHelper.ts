/**
 * `StandbyHelper`: a helper VM a platform stack keeps for rescues, deallocated so it costs only its
 * OS disk. A rescue given its outputs (`standbyHelperId`, `standbyHelperSubnetId`,
 * `standbyHelperZone`) starts it instead of creating a helper, and leaves it deallocated with
 * nothing attached (`standby.ts`). Like the rescue's own helper: no public IP, an NSG without
 * inbound rules, a system-assigned identity (the Run Commands write their output with it).
 */
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as random from "@pulumi/random";
import type { StepContext, StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { COMPONENT_TYPES, STEP_TYPES } from "../../vocabulary/tokens";
import { CLAIM_TAG_PATH, ROLE_TAG, HELPER_ROLE } from "../../vocabulary/tags";
import {
  DEFAULT_ADMIN_USERNAME,
  DEFAULT_HELPER_OS_DISK_SKU,
  DEFAULT_HELPER_SIZE,
} from "../../topology/azure";
import { parseArmId } from "../../describe/azureVm";
import { step } from "./operations";
import { bounded } from "./runtime";
import { HELPER_WINDOWS_CONFIGURATION, isNotFound } from "./specs";
import { allowedSeconds } from "./timeouts";
import { standbyOpsFor, type StandbyOps } from "./standbyOps";
import type { StandbyOpsFor } from "./standby";

/** Arguments of {@link StandbyHelper}. Plain values only (any Pulumi language uses it). */
export interface StandbyHelperArgs {
  /** Resource group of the helper VM, its NIC and NSG. */
  resourceGroupName: string;
  /** Region of the helper (the VMs it rescues are in it). */
  location: string;
  /** Subnet of its NIC: a subnet of the virtual network of the VMs it rescues. */
  subnetId: string;
  /** Availability zone ("1", "2", "3"); leave it out for VMs without a zone. */
  zone?: string;
  /** Name of the VM (at most 15 characters are its computer name). Default: the component name. */
  vmName?: string;
  /** Size of the VM. Default `Standard_D2s_v5`. */
  vmSize?: string;
  /** `MicrosoftWindowsServer:WindowsServer` SKU. Default `2022-datacenter-smalldisk-g2`; keep it a version the VMs it rescues do not run (a copy of the same image may come up with a disk-signature collision). */
  imageSku?: string;
  /** Storage type of its OS disk. Default `StandardSSD_LRS`. */
  osDiskSku?: string;
  /** Admin user. Default `rescueadmin` (the password is generated and kept secret). */
  adminUsername?: string;
  /** Extra tags on its resources. */
  tags?: { [key: string]: string };
}

export const DEFAULT_STANDBY_IMAGE_SKU = "2022-datacenter-smalldisk-g2";

interface StandbyStopInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  /** The VM's id: the step waits for the VM. */
  vmId: string;
}
interface StandbyStopOutputs extends StandbyStopInputs {
  powerState: string;
}

async function stopStandby(ops: StandbyOps, i: StandbyStopInputs): Promise<StandbyStopOutputs> {
  const vm = await step(`reading standby helper ${i.vmName}`, () =>
    ops.describe(i.resourceGroupName, i.vmName),
  );
  // A rescue has claimed it: an update of the platform stack leaves it to that rescue's teardown.
  if (vm.claim !== null) return { ...i, powerState: vm.powerState ?? "unknown" };
  if (vm.powerState !== "deallocated")
    await step(`deallocating standby helper ${i.vmName}`, () =>
      ops.deallocate(i.resourceGroupName, i.vmName),
    );
  return { ...i, powerState: "deallocated" };
}

/** Deallocates the new standby helper (`vm-rescue:azure:StandbyHelperStop`); `opsFor` is replaced in tests. */
export function standbyStopKind(
  opsFor: StandbyOpsFor = standbyOpsFor,
): StepKind<StandbyStopInputs, StandbyStopOutputs> {
  const token = STEP_TYPES.azure.standbyStop;
  const run = (ctx: StepContext, i: StandbyStopInputs) =>
    bounded(ctx, token, () => stopStandby(opsFor(ctx, i.subscriptionId), i));
  const S = (description: string) => ({ type: "string", description }) as const;
  const t = allowedSeconds("azure.vm.deallocate");
  const read = allowedSeconds("azure.nic.create");
  return {
    token,
    description: "Deallocates a standby helper VM after its creation, so it costs nothing to keep.",
    inputs: {
      subscriptionId: S("The helper's subscription."),
      resourceGroupName: S("The helper's resource group."),
      vmName: S("The helper VM."),
      vmId: S("The helper's ARM id."),
    },
    outputs: {
      powerState: S(
        "Its power state after the step: deallocated, or as it was when a rescue has claimed it.",
      ),
    },
    identityKeys: ["subscriptionId", "resourceGroupName", "vmName"],
    timeouts: { create: t, update: t, read, delete: read },
    async create(ctx, i) {
      return { id: `${i.vmId}/standby-stop`, outs: await run(ctx, i) };
    },
    update: (ctx, _id, _olds, news) => run(ctx, news),
    async read(ctx, _id, state) {
      const vm = await bounded(ctx, token, () =>
        opsFor(ctx, state.subscriptionId).describe(state.resourceGroupName, state.vmName),
      ).catch((e) => {
        if (isNotFound(e)) return null;
        throw e;
      });
      return vm ? { ...state, powerState: vm.powerState ?? "unknown" } : null;
    },
    // Nothing: the VM itself goes with the stack.
    async delete() {},
  };
}

export const StandbyStopKind = standbyStopKind();

class StandbyHelperStop extends StepResource {
  declare readonly powerState: pulumi.Output<string>;
  constructor(
    name: string,
    args: InputsOf<StandbyStopInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(StandbyStopKind, name, args, opts);
  }
}

/**
 * One standby helper VM in a subnet and zone, left deallocated. Its outputs are what a rescue's
 * `standbyHelperId`, `standbyHelperSubnetId` and `standbyHelperZone` take.
 */
export class StandbyHelper extends pulumi.ComponentResource {
  /** ARM id of the helper VM (a rescue's `standbyHelperId`). */
  public readonly helperId: pulumi.Output<string>;
  /** Subnet of its NIC (a rescue's `standbyHelperSubnetId`). */
  public readonly subnetId: pulumi.Output<string>;
  /** Its availability zone, "" for none (a rescue's `standbyHelperZone`). */
  public readonly zone: pulumi.Output<string>;
  public readonly location: pulumi.Output<string>;
  /** The principal of its system-assigned identity. */
  public readonly principalId: pulumi.Output<string>;
  /** Its power state once created: deallocated. */
  public readonly powerState: pulumi.Output<string>;
  /**
   * The rescue's arguments for this helper as plain values (known before the helper exists), for a
   * rescue in the same program: give it `dependsOn: [helper]` too.
   */
  public readonly rescueArgs: {
    standbyHelperId: string;
    standbyHelperSubnetId: string;
    standbyHelperZone?: string;
  };

  constructor(name: string, args: StandbyHelperArgs, opts?: pulumi.ComponentResourceOptions) {
    const subnet = parseArmId(args.subnetId, "subnetId");
    super(COMPONENT_TYPES.standbyHelper, name, args, opts);
    const parent = { parent: this };
    const vmName = args.vmName ?? name;
    const tags = { ...(args.tags ?? {}), [ROLE_TAG]: HELPER_ROLE };
    const rg = args.resourceGroupName;
    const nsg = new network.NetworkSecurityGroup(
      `${name}-nsg`,
      { resourceGroupName: rg, location: args.location, securityRules: [], tags },
      parent,
    );
    const nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName: rg,
        location: args.location,
        ipConfigurations: [
          {
            name: "ipconfig1",
            primary: true,
            privateIPAllocationMethod: "Dynamic",
            subnet: { id: args.subnetId },
          },
        ],
        networkSecurityGroup: { id: nsg.id },
        tags,
      },
      parent,
    );
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: true, overrideSpecial: "!#%*()-_=+[]{}:?", minLower: 2, minUpper: 2 },
      parent,
    );
    const vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        resourceGroupName: rg,
        vmName,
        location: args.location,
        zones: args.zone ? [args.zone] : undefined,
        hardwareProfile: { vmSize: args.vmSize ?? DEFAULT_HELPER_SIZE },
        identity: { type: compute.ResourceIdentityType.SystemAssigned },
        storageProfile: {
          imageReference: {
            publisher: "MicrosoftWindowsServer",
            offer: "WindowsServer",
            sku: args.imageSku ?? DEFAULT_STANDBY_IMAGE_SKU,
            version: "latest",
          },
          osDisk: {
            createOption: compute.DiskCreateOptionTypes.FromImage,
            managedDisk: { storageAccountType: args.osDiskSku ?? DEFAULT_HELPER_OS_DISK_SKU },
            deleteOption: compute.DiskDeleteOptionTypes.Delete,
          },
        },
        osProfile: {
          computerName: vmName.slice(0, 15),
          adminUsername: args.adminUsername ?? DEFAULT_ADMIN_USERNAME,
          adminPassword: pulumi.secret(password.result),
          windowsConfiguration: HELPER_WINDOWS_CONFIGURATION,
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        tags,
      },
      // Rescues attach and detach the copy and tag their claim outside Pulumi: an update of this
      // stack leaves both alone.
      { parent: this, ignoreChanges: ["storageProfile.dataDisks", CLAIM_TAG_PATH] },
    );
    const stop = new StandbyHelperStop(
      `${name}-stop`,
      {
        subscriptionId: subnet.subscriptionId,
        resourceGroupName: rg,
        vmName: vm.name,
        vmId: vm.id,
      },
      parent,
    );
    this.rescueArgs = {
      standbyHelperId: `/subscriptions/${subnet.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${vmName}`,
      standbyHelperSubnetId: args.subnetId,
      ...(args.zone ? { standbyHelperZone: args.zone } : {}),
    };
    this.helperId = vm.id;
    this.subnetId = pulumi.output(args.subnetId);
    this.zone = pulumi.output(args.zone ?? "");
    this.location = pulumi.output(args.location);
    this.principalId = vm.identity.apply((i) => i?.principalId ?? "");
    this.powerState = stop.powerState;
    this.registerOutputs({
      helperId: this.helperId,
      subnetId: this.subnetId,
      zone: this.zone,
      location: this.location,
      principalId: this.principalId,
      powerState: this.powerState,
    });
  }
}
