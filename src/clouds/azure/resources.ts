/**
 * The resources of the Azure rescue up to the collect, created from the plan: the backup snapshot
 * and the copy of the OS disk made from it (kept), the helper VM with its NIC, NSG and password
 * (created in parallel with them), the copy's attachment to the helper, the private artifacts
 * storage (kept) and the helper's access to it (the repair ships its result there).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";
import { AzureRescuePlan, STORAGE_BLOB_DATA_CONTRIBUTOR } from "../../topology/azure";
import { DataDiskAttach } from "./attach";
import { HELPER_WINDOWS_CONFIGURATION } from "./specs";
import { resourceTimeouts } from "./timeouts";
import { ROLE_TAG, BACKUP_ROLE, HELPER_ROLE } from "../../vocabulary/tags";
import type { StandbyRef } from "../../topology/standby";
import { StandbyHelperUse } from "./standby";

/** A customer-managed key's disk encryption set as a disk's or snapshot's encryption (none without one). */
const customerKey = (des: string | null) =>
  des
    ? { type: compute.EncryptionType.EncryptionAtRestWithCustomerKey, diskEncryptionSetId: des }
    : undefined;

/**
 * The resources of the rescue, created from the plan. Exported for other components that reuse them.
 * With `standby` (a helper a platform stack keeps, checked against the plan) no helper, NIC, NSG or
 * password is created: the standby helper is started with the copy attached instead.
 */
export function createAzureRescueResources(
  name: string,
  plan: pulumi.Output<AzureRescuePlan>,
  parent: pulumi.Resource,
  standby?: StandbyRef,
) {
  const p = plan;
  const timeouts = resourceTimeouts();
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
      creationData: {
        createOption: compute.DiskCreateOption.Copy,
        sourceResourceId: p.source.osDiskId,
      },
      encryption: p.snapshot.diskEncryptionSetId.apply(customerKey),
      tags: p.tags.apply((t) => ({ ...t, [ROLE_TAG]: BACKUP_ROLE })),
    },
    { ...kept, customTimeouts: timeouts.snapshot },
  );

  // The working copy, made from the backup: the same point in time as the backup and the diagnosis
  // read from it (the broken VM may write a new crash dump between two reads of its disk).
  const copyDisk = new compute.Disk(
    `${name}-copy`,
    {
      resourceGroupName: p.source.resourceGroupName,
      diskName: p.copyDisk.name,
      location: p.location,
      zones: p.copyDisk.zone.apply((z) => (z ? [z] : undefined)),
      sku: { name: p.copyDisk.sku },
      osType: compute.OperatingSystemTypes.Windows,
      hyperVGeneration: p.copyDisk.hyperVGeneration.apply((g) => g ?? undefined),
      diskSizeGB: p.copyDisk.sizeGB.apply((s) => s ?? undefined),
      creationData: { createOption: compute.DiskCreateOption.Copy, sourceResourceId: snapshot.id },
      encryption: p.copyDisk.diskEncryptionSetId.apply(customerKey),
      // Names the original disk, so a re-run after the swap still plans from it (see planAzureRescue).
      tags: p.copyDisk.tags,
    },
    { ...kept, customTimeouts: timeouts.copyDisk },
  );

  // Network: a NIC in the broken VM's subnet, no public IP, an NSG with no inbound rule.
  const nsg = standby
    ? undefined
    : new network.NetworkSecurityGroup(
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
  const nic =
    nsg &&
    new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName: p.helper.resourceGroupName,
        networkInterfaceName: p.network.nicName,
        location: p.location,
        ipConfigurations: [
          {
            name: "ipconfig1",
            primary: true,
            privateIPAllocationMethod: "Dynamic",
            subnet: { id: p.network.subnetId },
          },
        ],
        networkSecurityGroup: { id: nsg.id },
        tags: p.tags,
      },
      opts,
    );

  const password = standby
    ? undefined
    : new random.RandomPassword(
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

  // The helper, created in parallel with the snapshot and the copy, with a system identity for the
  // artifacts; the copy is attached to it once both exist (`copyAttach`).
  const helper =
    nic &&
    password &&
    new compute.VirtualMachine(
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
        },
        osProfile: {
          computerName: p.helper.computerName,
          adminUsername: p.helper.adminUsername,
          adminPassword: pulumi.secret(password.result),
          windowsConfiguration: HELPER_WINDOWS_CONFIGURATION,
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        tags: p.tags.apply((t) => ({ ...t, [ROLE_TAG]: HELPER_ROLE })),
      },
      // The copy is attached and detached outside the VM's model (the attach step, the swap).
      { parent, deleteBeforeReplace: true, ignoreChanges: ["storageProfile.dataDisks"] },
    );

  // A standby helper is started in parallel with the snapshot and the copy: it needs neither.
  const standbyUse =
    standby &&
    new StandbyHelperUse(
      `${name}-standby`,
      {
        subscriptionId: p.subscriptionId,
        helperResourceGroupName: standby.resourceGroupName,
        helperVmName: standby.vmName,
        copyDiskId: pulumi.interpolate`/subscriptions/${p.subscriptionId}/resourceGroups/${p.source.resourceGroupName}/providers/Microsoft.Compute/disks/${p.copyDisk.name}`,
        location: p.location,
        zone: p.zone.apply((z) => z ?? ""),
        rescueId: p.rescueId,
      },
      opts,
    );
  const helperResource = (standbyUse || helper) as pulumi.Resource;

  // The copy on the helper (created or standby, running) at the LUN the scripts look for; the
  // repair writes it there.
  const copyAttach = new DataDiskAttach(
    `${name}-copy-attach`,
    {
      subscriptionId: p.subscriptionId,
      resourceGroupName: standbyUse
        ? standbyUse.helperResourceGroupName
        : p.helper.resourceGroupName,
      vmName: standbyUse ? standbyUse.helperVmName : helper!.name,
      diskId: copyDisk.id,
      lun: p.helper.copyLun,
      rescueId: p.rescueId,
      sourceResourceGroupName: p.source.resourceGroupName,
      sourceVmName: p.source.vmName,
    },
    { parent, dependsOn: [helperResource, copyDisk] },
  );

  // The helper the Run Commands run on: the one created above, or the standby helper.
  const helperVm = standbyUse
    ? {
        id: standbyUse.helperId,
        name: standbyUse.helperVmName,
        resourceGroupName: standbyUse.helperResourceGroupName,
        principalId: standbyUse.principalId,
        resource: standbyUse as pulumi.Resource,
      }
    : {
        id: helper!.id,
        name: helper!.name,
        resourceGroupName: p.helper.resourceGroupName,
        principalId: helper!.identity.apply((i) => i?.principalId ?? ""),
        resource: helper! as pulumi.Resource,
      };

  const helperBlobAccess = new authorization.RoleAssignment(
    `${name}-helper-blob-access`,
    {
      scope: container.id,
      roleAssignmentName: p.artifacts.helperBlobRoleAssignmentName,
      roleDefinitionId: p.subscriptionId.apply(
        (s) =>
          `/subscriptions/${s}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
      ),
      principalId: helperVm.principalId,
      principalType: authorization.PrincipalType.ServicePrincipal,
    },
    opts,
  );

  const containerUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${container.name}`;
  // The collect manifest and the evidence under collect/: shipped by the diagnosis read from the
  // backup (chain.ts), not by a Run Command on the helper.
  const collectOutputUrl = pulumi.interpolate`${containerUrl}/${p.runCommands.collect.outputBlob}`;

  return {
    snapshot,
    copyDisk,
    nsg,
    nic,
    password,
    account,
    container,
    helper,
    standbyUse,
    copyAttach,
    helperVm,
    helperBlobAccess,
    containerUrl,
    collectOutputUrl,
  };
}

export type AzureRescueResources = ReturnType<typeof createAzureRescueResources>;
