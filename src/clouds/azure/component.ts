import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import { AzureRescuePlan, planAzureRescue } from "../../topology/azure";
import {
  validateAzureRepairOptions,
  validateAzureRescueOptions,
} from "../../topology/azureOptions";
import {
  AzureDiskDescription,
  AzureNicDescription,
  AzureVmDescription,
  parseArmId,
  primaryNicId,
} from "../../describe/azureVm";
import { SwapGate, validateSwapGeneration } from "./swap";
import { createAzureRescueResources } from "./resources";
import { createRepairChain } from "./chain";
import { stopOutcome, type VmDeallocate } from "./stop";
import { snapshotDiagnosisLine } from "./snapshotDiagnosis";
import type { RepairCheckSummary } from "./repairCheck";
import { COMPONENT_TYPES } from "../../vocabulary/tokens";
import type { AzureRescueOutputs, KeptResourceOutput } from "../../vocabulary/outputs";
import { azureRescueOptions, type AzureWindowsRescueArgs } from "./args";
import { repairCheckSummary } from "../../steps/repairCheck";
import { standbyOf, withStandbyChecked } from "./standbyArgs";

export type { AzureWindowsRescueArgs } from "./args";

/** The component's outputs as Pulumi outputs (names and facts: src/vocabulary/outputs.ts). */
type Outputs = { readonly [K in keyof AzureRescueOutputs]: pulumi.Output<AzureRescueOutputs[K]> };

/**
 * Rescues a Windows Azure VM stuck in a BSOD boot loop: backs up its OS disk (snapshot), copies the
 * disk from it and attaches the copy to a helper VM in the same subnet and zone (no public IP, an
 * NSG without inbound rules). Meanwhile (`createRepairChain`) it diagnoses the backup snapshot
 * directly, decides the repair from it and ships the evidence it read to a private blob container;
 * then it repairs the copy on the helper with the repair script through a managed Run Command and —
 * when the gate allows and only after the snapshot exists — swaps the copy in as the VM's OS disk,
 * verifies the boot and, on request, rolls back. A snapshot it cannot read refuses the rescue.
 * The original OS disk is never written to or deleted (see src/clouds/azure/README.md).
 *
 * Kept after `pulumi destroy`: the snapshot, the original disk, the repaired copy, the artifacts storage.
 */
export class AzureWindowsRescue extends pulumi.ComponentResource implements Outputs {
  /** Id of the backup snapshot of the original OS disk (kept). */
  public readonly snapshotId: pulumi.Output<string>;
  /** Id of the copy of the OS disk that the helper repairs (kept). */
  public readonly repairDiskId: pulumi.Output<string>;
  /** Id of the VM's original OS disk (never written to or deleted; what a rollback puts back). */
  public readonly originalDiskId: pulumi.Output<string>;
  /** Id of the helper VM (removed on destroy). */
  public readonly helperId: pulumi.Output<string>;
  /** URL of the private blob container that holds the rescue's artifacts (kept). */
  public readonly artifactsLocation: pulumi.Output<string>;
  /** URL of the blob with the collect manifest of the evidence (shipped by the snapshot diagnosis). */
  public readonly collectOutputUrl: pulumi.Output<string>;
  /** Whether the evidence was read and shipped: Succeeded when the snapshot was diagnosed, else Failed. */
  public readonly collectStatus: pulumi.Output<string>;
  /** Things the planner wants a person to know (unknown generation, NVMe controller, ...). */
  public readonly warnings: pulumi.Output<string[]>;
  /** One line per minidump: bug check and culprit. */
  public readonly triageSummary: pulumi.Output<string[]>;
  /** Guest-driver findings, one line each (blocking ones first); the triage resource holds them in full. */
  public readonly findings: pulumi.Output<string[]>;
  /** The repair decision, one line each: every chosen action with its reason, then notes. */
  public readonly decision: pulumi.Output<string[]>;
  /** The repair actions repair.ps1 runs, in order. */
  public readonly repairActions: pulumi.Output<string[]>;
  /** Whether the swap may happen, and if not why. */
  public readonly gate: pulumi.Output<SwapGate>;
  /** URL of the blob with repair.ps1's result document. */
  public readonly repairResultUrl: pulumi.Output<string>;
  /** Execution state of the repair run command (Succeeded, Failed, TimedOut, ...). */
  public readonly repairStatus: pulumi.Output<string>;
  /** True once the repaired copy is the VM's OS disk. */
  public readonly swapped: pulumi.Output<boolean>;
  /** True when the VM runs with its guest agent Ready and no new bug check after the swap. */
  public readonly booted: pulumi.Output<boolean>;
  /** What the swap and the boot verification report (why nothing was swapped, why the boot failed, how to roll back). */
  public readonly outcome: pulumi.Output<string[]>;
  /** True when the boot verification failed and `rollback=true` would put the original disk back. */
  public readonly rollbackOffered: pulumi.Output<boolean>;
  public readonly verifiedBoots: pulumi.Output<string[]>;
  /** What a person must still do after the boot verification (safe mode not reverted), with the commands. */
  public readonly leftForPerson: pulumi.Output<string[]>;
  /** What outlives `pulumi destroy`: the snapshot, the original OS disk, the repaired copy, the artifacts. */
  public readonly keptResources: pulumi.Output<KeptResourceOutput[]>;
  /** True when this run found the VM already on the repaired copy and planned from the original disk its tag names. */
  public readonly alreadySwapped: pulumi.Output<boolean>;
  /** The check of the hives the repair returned against the plan (before the swap): ok, checked, differences, checkedRaw, reason. */
  public readonly repairCheck: pulumi.Output<RepairCheckSummary>;
  /** The diagnosis read straight from the backup snapshot while the helper booted (it decided the repair), or why it was not. */
  public readonly snapshotDiagnosis: pulumi.Output<string[]>;

  constructor(name: string, args: AzureWindowsRescueArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every option is checked before anything is registered (the VM is read later).
    validateAzureRescueOptions(azureRescueOptions(args, name));
    validateSwapGeneration(args.swapGeneration);
    const standby = standbyOf(args);
    super(COMPONENT_TYPES.azure, name, args, opts);
    const parent = { parent: this };

    const description = readVmDescription(args, parent);
    const plan: pulumi.Output<AzureRescuePlan> = description.apply((d) =>
      withStandbyChecked(args, planAzureRescue(d, azureRescueOptions(args, name))),
    );
    const r = createAzureRescueResources(name, plan, this, standby);
    const chain = createRepairChain(name, plan, r, args, this);

    this.snapshotId = r.snapshot.id;
    this.repairDiskId = r.copyDisk.id;
    this.originalDiskId = plan.source.osDiskId;
    this.helperId = r.helperVm.id;
    this.artifactsLocation = r.containerUrl;
    this.collectOutputUrl = r.collectOutputUrl;
    const d = chain.snapshotDiagnosis;
    // The evidence is shipped by the diagnosis read from the backup (no collect runs on the helper).
    this.collectStatus = d.diagnosed.apply((ok) => (ok ? "Succeeded" : "Failed"));
    this.warnings = plan.apply((p) => p.warnings);
    this.alreadySwapped = plan.alreadySwapped;
    this.triageSummary = d.summary;
    this.findings = d.findings.apply((f) => f ?? []);
    this.decision = d.decision;
    this.repairActions = d.repairActions;
    // The gate the swap used: the triage's, closed by the check after the repair on any difference.
    this.gate = chain.repairCheck.gate;
    this.repairResultUrl = chain.repairResultUrl;
    this.repairCheck = repairCheckSummary(chain.repairCheck);
    this.snapshotDiagnosis = pulumi
      .all([d.diagnosed, d.error, d.controlSet, d.defaultLoaderPath, d.culprit, d.repairActions])
      .apply(([diagnosed, error, controlSet, defaultLoaderPath, culprit, repairActions]) => ({
        ...{ diagnosed, error, controlSet, defaultLoaderPath, culprit, repairActions },
        ...{ summary: [], decision: [], evidenceProblems: [] },
      }))
      .apply((found) =>
        pulumi.all([d.requests, d.bytes, d.warning]).apply(([requests, bytes, warning]) => {
          const diagnosis = { ...found, requests, bytes };
          const lines = [
            snapshotDiagnosisLine(diagnosis),
            "the repair was decided from the snapshot; its evidence is shipped to the artifacts container",
          ];
          return warning ? [...lines, `warning: ${warning}`] : lines;
        }),
      );
    this.repairStatus = chain.repair.instanceView.apply((v) => v?.executionState ?? "Unknown");
    this.swapped = chain.swap ? chain.swap.swapped : pulumi.output(false);
    this.booted = chain.verify ? chain.verify.booted : pulumi.output(false);
    this.rollbackOffered = chain.verify ? chain.verify.rollbackOffered : pulumi.output(false);
    this.verifiedBoots = chain.verify ? chain.verify.verifiedBoots : pulumi.output([]);
    this.leftForPerson = chain.verify ? chain.verify.leftForPerson : pulumi.output([]);
    this.outcome = pulumi
      .all([
        chain.repairCheck.gate,
        chain.swap?.reasons ?? [],
        chain.verify?.reasons ?? [],
        chain.rollback?.reasons ?? [],
        stopOf(chain.stop),
        this.swapped,
      ])
      .apply(([gate, swapReasons, verifyReasons, rollbackReasons, stop, swapped]) => [
        ...(chain.swap
          ? [...swapReasons, ...verifyReasons, ...rollbackReasons]
          : [...gate.reasons, ...rollbackReasons]),
        ...(stop ? stopOutcome(stop, swapped) : []),
      ]);
    this.keptResources = pulumi
      .all([r.snapshot.id, plan.source.osDiskId, r.copyDisk.id, r.containerUrl])
      .apply(([snapshot, original, copy, artifacts]): KeptResourceOutput[] => [
        { kind: "snapshot", id: snapshot },
        { kind: "originalDisk", id: original },
        { kind: "repairedDisk", id: copy },
        { kind: "artifacts", id: artifacts },
      ]);
    this.registerOutputs({
      snapshotId: this.snapshotId,
      repairDiskId: this.repairDiskId,
      originalDiskId: this.originalDiskId,
      helperId: this.helperId,
      artifactsLocation: this.artifactsLocation,
      collectOutputUrl: this.collectOutputUrl,
      collectStatus: this.collectStatus,
      warnings: this.warnings,
      triageSummary: this.triageSummary,
      findings: this.findings,
      decision: this.decision,
      repairActions: this.repairActions,
      gate: this.gate,
      repairResultUrl: this.repairResultUrl,
      repairStatus: this.repairStatus,
      swapped: this.swapped,
      booted: this.booted,
      outcome: this.outcome,
      rollbackOffered: this.rollbackOffered,
      verifiedBoots: this.verifiedBoots,
      leftForPerson: this.leftForPerson,
      keptResources: this.keptResources,
      alreadySwapped: this.alreadySwapped,
      repairCheck: this.repairCheck,
      snapshotDiagnosis: this.snapshotDiagnosis,
    });
  }
}

/** The stop's facts the outcome needs, or null when the rescue has no stop. */
function stopOf(stop: VmDeallocate | undefined) {
  if (!stop) return pulumi.output(null);
  return pulumi
    .all([stop.deallocated, stop.reasons, stop.resourceGroupName, stop.vmName])
    .apply(([deallocated, reasons, resourceGroupName, vmName]) => ({
      ...{ deallocated, reasons, resourceGroupName, vmName },
    }));
}

/**
 * Checks the repair and swap arguments before anything is registered; throws one clear
 * `PlanError` (the planner's rules, so `vm-rescue plan` rejects the same values with exit 2).
 */
export function validateRepairArgs(args: AzureWindowsRescueArgs): void {
  validateAzureRepairOptions(args);
}

/** Reads the VM, its OS disk and (unless a subnet is given) its primary NIC through invokes. */
function readVmDescription(
  args: AzureWindowsRescueArgs,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<{
  vm: AzureVmDescription;
  nic: AzureNicDescription | null;
  osDisk: AzureDiskDescription | null;
}> {
  const vm = compute.getVirtualMachineOutput(
    { resourceGroupName: args.resourceGroupName, vmName: args.vmName, expand: "instanceView" },
    opts,
  ) as pulumi.Output<AzureVmDescription>;
  return vm.apply((v) => {
    const diskId = v.storageProfile?.osDisk?.managedDisk?.id;
    const osDisk: pulumi.Output<AzureDiskDescription | null> = diskId
      ? (compute.getDiskOutput(
          {
            resourceGroupName: parseArmId(diskId, "the OS disk's id").resourceGroup,
            diskName: parseArmId(diskId, "the OS disk's id").name,
          },
          opts,
        ) as pulumi.Output<AzureDiskDescription>)
      : pulumi.output(null);
    const nicId = primaryNicId(v);
    const nic: pulumi.Output<AzureNicDescription | null> =
      args.subnetId || !nicId
        ? pulumi.output(null)
        : (network.getNetworkInterfaceOutput(
            {
              resourceGroupName: parseArmId(nicId, "the NIC id").resourceGroup,
              networkInterfaceName: parseArmId(nicId, "the NIC id").name,
            },
            opts,
          ) as pulumi.Output<AzureNicDescription>);
    return pulumi.all([osDisk, nic]).apply(([d, n]) => ({ vm: v, nic: n, osDisk: d }));
  });
}
