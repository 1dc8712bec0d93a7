import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";
import { AzureRescueOptions, AzureRescuePlan, planAzureRescue, STORAGE_BLOB_DATA_CONTRIBUTOR } from "../../planner/azure";
import { AzureDiskDescription, AzureNicDescription, AzureVmDescription, parseArmId } from "../../planner/azureVm";
import { collectRunCommand } from "./runCommands";
import { primaryNicId } from "../../planner/azureVm";

/**
 * Arguments of {@link AzureWindowsRescue}. Plain values only (no unions, no functions), so the
 * component can be consumed from any Pulumi language through the component plugin.
 */
export interface AzureWindowsRescueArgs {
  /** Resource group of the broken VM. */
  resourceGroupName: string;
  /** Name of the broken VM. */
  vmName: string;
  /** Identifies this rescue in names and tags (1-24 lowercase letters, digits, hyphens). Default: the component name. */
  rescueId?: string;
  /** Size of the helper VM. Default `Standard_D2s_v5`. */
  helperVmSize?: string;
  /** Marketplace SKU (`MicrosoftWindowsServer:WindowsServer`) of the helper, overriding the automatic choice of a Windows version different from the broken VM's. */
  helperImageSku?: string;
  /** Storage type of the helper's own OS disk. Default `StandardSSD_LRS`. */
  helperOsDiskSku?: string;
  /** Resource group for the helper VM, its NIC and NSG and the artifacts storage. Default: the VM's group. */
  helperResourceGroupName?: string;
  /** Storage type of the OS-disk copy. Default: the same as the original OS disk. */
  copyDiskSku?: string;
  /** Hyper-V generation ("V1" or "V2") when Azure does not report it. */
  hyperVGeneration?: string;
  /** Subnet of the helper's NIC. Default: the subnet of the broken VM's primary NIC. */
  subnetId?: string;
  /** Admin user of the helper VM. Default `rescueadmin`. */
  adminUsername?: string;
  /** Extra tags on every resource the rescue creates. */
  tags?: { [key: string]: string };
}

/**
 * Rescues a Windows Azure VM stuck in a BSOD boot loop: backs up its OS disk (snapshot), copies the
 * disk, attaches the copy to a helper VM in the same subnet and zone (no public IP, an NSG without
 * inbound rules) and runs the collect script there through a managed Run Command, whose full output
 * lands in a private blob container. Nothing here writes to the broken VM or its disk.
 *
 * Kept after `pulumi destroy` (`retainOnDelete`): the snapshot, the disk copy, the artifacts storage.
 */
export class AzureWindowsRescue extends pulumi.ComponentResource {
  /** Id of the backup snapshot of the original OS disk (kept). */
  public readonly snapshotId: pulumi.Output<string>;
  /** Id of the copy of the OS disk that the helper repairs (kept). */
  public readonly copyDiskId: pulumi.Output<string>;
  /** Id of the helper VM (removed on destroy). */
  public readonly helperVmId: pulumi.Output<string>;
  /** URL of the private blob container that holds the rescue's artifacts (kept). */
  public readonly artifactsContainerUrl: pulumi.Output<string>;
  /** URL of the blob with the collect script's JSON output. */
  public readonly collectOutputUrl: pulumi.Output<string>;
  /** Execution state of the collect run command (Succeeded, Failed, TimedOut, ...). */
  public readonly collectExecutionState: pulumi.Output<string>;
  /** Things the planner wants a person to know (unknown generation, NVMe controller, ...). */
  public readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: AzureWindowsRescueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vm-rescue:index:AzureWindowsRescue", name, args, opts);
    const parent = { parent: this };

    const description = readVmDescription(args, parent);
    const plan: pulumi.Output<AzureRescuePlan> = description.apply((d) => planAzureRescue(d, azureRescueOptions(args, name)));
    const r = createAzureRescueResources(name, plan, this);

    this.snapshotId = r.snapshot.id;
    this.copyDiskId = r.copyDisk.id;
    this.helperVmId = r.helper.id;
    this.artifactsContainerUrl = r.containerUrl;
    this.collectOutputUrl = r.collectOutputUrl;
    this.collectExecutionState = r.collect.instanceView.apply((v) => v?.executionState ?? "Unknown");
    this.warnings = plan.apply((p) => p.warnings);
    this.registerOutputs({
      snapshotId: this.snapshotId,
      copyDiskId: this.copyDiskId,
      helperVmId: this.helperVmId,
      artifactsContainerUrl: this.artifactsContainerUrl,
      collectOutputUrl: this.collectOutputUrl,
      collectExecutionState: this.collectExecutionState,
      warnings: this.warnings,
    });
  }
}

/** The planner's options from the component's arguments; the rescue id defaults to the component name. */
export function azureRescueOptions(args: AzureWindowsRescueArgs, name: string): AzureRescueOptions {
  return {
    rescueId: args.rescueId ?? name,
    helperVmSize: args.helperVmSize,
    helperImageSku: args.helperImageSku,
    helperOsDiskSku: args.helperOsDiskSku,
    helperResourceGroupName: args.helperResourceGroupName,
    copyDiskSku: args.copyDiskSku,
    hyperVGeneration: args.hyperVGeneration,
    subnetId: args.subnetId,
    adminUsername: args.adminUsername,
    tags: args.tags,
  };
}

/** Reads the VM, its OS disk and (unless a subnet is given) its primary NIC through invokes. */
function readVmDescription(
  args: AzureWindowsRescueArgs,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<{ vm: AzureVmDescription; nic: AzureNicDescription | null; osDisk: AzureDiskDescription | null }> {
  const vm = compute.getVirtualMachineOutput(
    { resourceGroupName: args.resourceGroupName, vmName: args.vmName, expand: "instanceView" },
    opts,
  ) as pulumi.Output<AzureVmDescription>;
  return vm.apply((v) => {
    const diskId = v.storageProfile?.osDisk?.managedDisk?.id;
    const osDisk: pulumi.Output<AzureDiskDescription | null> = diskId
      ? (compute.getDiskOutput(
          { resourceGroupName: parseArmId(diskId, "the OS disk's id").resourceGroup, diskName: parseArmId(diskId, "the OS disk's id").name },
          opts,
        ) as pulumi.Output<AzureDiskDescription>)
      : pulumi.output(null);
    const nicId = primaryNicId(v);
    const nic: pulumi.Output<AzureNicDescription | null> =
      args.subnetId || !nicId
        ? pulumi.output(null)
        : (network.getNetworkInterfaceOutput(
            { resourceGroupName: parseArmId(nicId, "the NIC id").resourceGroup, networkInterfaceName: parseArmId(nicId, "the NIC id").name },
            opts,
          ) as pulumi.Output<AzureNicDescription>);
    return pulumi.all([osDisk, nic]).apply(([d, n]) => ({ vm: v, nic: n, osDisk: d }));
  });
}

/** The resources of the rescue, created from the plan. Exported for other components that reuse them. */
export function createAzureRescueResources(name: string, plan: pulumi.Output<AzureRescuePlan>, parent: pulumi.Resource) {
  const p = plan;
  const opts: pulumi.CustomResourceOptions = { parent };
  const kept: pulumi.CustomResourceOptions = { parent, retainOnDelete: true };

  // The backup: point in time, before anything else writes anywhere. Kept.
  const snapshot = new compute.Snapshot(
    `${name}-snapshot`,
    {
      resourceGroupName: p.source.resourceGroupName,
      snapshotName: p.snapshot.name,
      location: p.location,
      incremental: p.snapshot.incremental,
      creationData: { createOption: compute.DiskCreateOption.Copy, sourceResourceId: p.source.osDiskId },
      tags: p.tags.apply((t) => ({ ...t, "vm-rescue:role": "backup" })),
    },
    kept,
  );

  // The working copy, read from the original disk in parallel with the snapshot (it writes nothing to it).
  const copyDisk = new compute.Disk(
    `${name}-copy`,
    {
      resourceGroupName: p.source.resourceGroupName,
      diskName: p.copyDisk.name,
      location: p.location,
      zones: p.zone.apply((z) => (z ? [z] : undefined)),
      sku: { name: p.copyDisk.sku },
      osType: compute.OperatingSystemTypes.Windows,
      hyperVGeneration: p.copyDisk.hyperVGeneration.apply((g) => g ?? undefined),
      diskSizeGB: p.copyDisk.sizeGB.apply((s) => s ?? undefined),
      creationData: { createOption: compute.DiskCreateOption.Copy, sourceResourceId: p.source.osDiskId },
      encryption: p.copyDisk.diskEncryptionSetId.apply((des) =>
        des ? { type: compute.EncryptionType.EncryptionAtRestWithCustomerKey, diskEncryptionSetId: des } : undefined,
      ),
      tags: p.tags.apply((t) => ({ ...t, "vm-rescue:role": "repair-copy" })),
    },
    kept,
  );

  // Network: a NIC in the broken VM's subnet, no public IP, an NSG with no inbound rule.
  const nsg = new network.NetworkSecurityGroup(
    `${name}-nsg`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      networkSecurityGroupName: p.network.nsgName,
      location: p.location,
      securityRules: [],
      tags: p.tags,
    },
    opts,
  );
  const nic = new network.NetworkInterface(
    `${name}-nic`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      networkInterfaceName: p.network.nicName,
      location: p.location,
      ipConfigurations: [
        { name: "ipconfig1", primary: true, privateIPAllocationMethod: "Dynamic", subnet: { id: p.network.subnetId } },
      ],
      networkSecurityGroup: { id: nsg.id },
      tags: p.tags,
    },
    opts,
  );

  const password = new random.RandomPassword(
    `${name}-admin-password`,
    {
      length: 32,
      special: true,
      overrideSpecial: "!#%*()-_=+[]{}:?",
      minLower: 2,
      minUpper: 2,
      minNumeric: 2,
      minSpecial: 2,
      keepers: { rescueId: p.rescueId },
    },
    opts,
  );

  // Artifacts: private storage (HTTPS only, no public blob access, no shared keys). Kept: it is evidence.
  const account = new storage.StorageAccount(
    `${name}-artifacts`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      accountName: p.artifacts.storageAccountName,
      location: p.location,
      kind: storage.Kind.StorageV2,
      sku: { name: storage.SkuName.Standard_LRS },
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
      tags: p.tags,
    },
    kept,
  );
  const container = new storage.BlobContainer(
    `${name}-artifacts-container`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      accountName: account.name,
      containerName: p.artifacts.containerName,
      publicAccess: storage.PublicAccess.None,
    },
    kept,
  );

  // The helper, with the copy attached at creation (LUN 0) and a system identity for the artifacts.
  const helper = new compute.VirtualMachine(
    `${name}-helper`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      vmName: p.helper.vmName,
      location: p.location,
      zones: p.zone.apply((z) => (z ? [z] : undefined)),
      hardwareProfile: { vmSize: p.helper.size },
      identity: { type: compute.ResourceIdentityType.SystemAssigned },
      storageProfile: {
        imageReference: p.helper.image,
        osDisk: {
          createOption: compute.DiskCreateOptionTypes.FromImage,
          managedDisk: { storageAccountType: p.helper.osDiskSku },
          deleteOption: compute.DiskDeleteOptionTypes.Delete,
        },
        dataDisks: [
          {
            lun: p.helper.copyLun,
            createOption: compute.DiskCreateOptionTypes.Attach,
            managedDisk: { id: copyDisk.id },
            deleteOption: compute.DiskDeleteOptionTypes.Detach,
          },
        ],
      },
      osProfile: {
        computerName: p.helper.computerName,
        adminUsername: p.helper.adminUsername,
        adminPassword: pulumi.secret(password.result),
        windowsConfiguration: {
          provisionVMAgent: true,
          enableAutomaticUpdates: false,
          patchSettings: { patchMode: compute.WindowsVMGuestPatchMode.Manual },
        },
      },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      tags: p.tags.apply((t) => ({ ...t, "vm-rescue:role": "helper" })),
    },
    { parent, deleteBeforeReplace: true },
  );

  const helperBlobAccess = new authorization.RoleAssignment(
    `${name}-helper-blob-access`,
    {
      scope: container.id,
      roleAssignmentName: p.artifacts.helperBlobRoleAssignmentName,
      roleDefinitionId: p.subscriptionId.apply(
        (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
      ),
      principalId: helper.identity.apply((i) => i?.principalId ?? ""),
      principalType: authorization.PrincipalType.ServicePrincipal,
    },
    opts,
  );

  const containerUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${container.name}`;
  const collectOutputUrl = pulumi.interpolate`${containerUrl}/${p.runCommands.collect.outputBlob}`;
  const collectSpec = p.apply((pl) => collectRunCommand(pl));
  const collect = new compute.VirtualMachineRunCommandByVirtualMachine(
    `${name}-collect`,
    {
      resourceGroupName: p.helper.resourceGroupName,
      vmName: helper.name,
      runCommandName: p.runCommands.collect.name,
      location: p.location,
      source: collectSpec.source,
      parameters: collectSpec.parameters,
      outputBlobUri: collectOutputUrl,
      errorBlobUri: pulumi.interpolate`${containerUrl}/${p.runCommands.collect.errorBlob}`,
      outputBlobManagedIdentity: {},
      errorBlobManagedIdentity: {},
      asyncExecution: false,
      timeoutInSeconds: 3600,
      treatFailureAsDeploymentFailure: true,
      tags: p.tags,
    },
    { parent, dependsOn: [helperBlobAccess], customTimeouts: { create: "75m" } },
  );

  return { snapshot, copyDisk, nsg, nic, password, account, container, helper, helperBlobAccess, collect, containerUrl, collectOutputUrl };
}
