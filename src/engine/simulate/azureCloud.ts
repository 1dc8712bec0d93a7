/**
 * A simulated Azure for the offline plan and the simulated rescue: answers the invokes the program
 * makes from the descriptions the operator supplied (`az vm show`, `az network nic show`) and gives
 * every created resource the id and outputs Azure would.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { AzureNicDescription, AzureVmDescription, parseArmId } from "../../describe/azureVm";
import type { SimulatedCloud } from "./mockRun";
import { AZURE_STEP_KINDS } from "../../clouds/azure/kinds";
import { SimulatedCompute } from "../../clouds/azure/simulated";
import type { RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import { repairedSample, shippedSample, type ShippedSample } from "./shippedSample";
import { sampleCollectOutput, sampleSnapshotImage } from "../../clouds/azure/sample";
import { readSimulatedAzure, writeSimulatedAzure } from "../../clouds/azure/simulatedFile";
import type { StepContext, StepKind } from "../../steps/contract";
import { addSimulatedStandby, type SimulatedStandbyFacts } from "../../clouds/azure/standbyOps";
import { STEP_TYPES } from "../../vocabulary/tokens";

export interface SimulatedAzureOptions {
  vm: AzureVmDescription;
  /** The primary NIC; when absent a placeholder NIC is answered and a warning recorded. */
  nic?: AzureNicDescription | null;
  /** Extra answers per resource type token (later layers simulate their own resources). */
  resourceOutputs?: Record<
    string,
    (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>
  >;
  /** What collect.ps1 printed (document or text). Default: the bundled sample, {@link sampleCollectOutput}. */
  collectOutput?: unknown;
  /**
   * A disk image file standing for the backup snapshot's bytes. Default: the bundled sample
   * snapshot, {@link sampleSnapshotImage}; null: the snapshot holds no image (its reads fail).
   */
  snapshotImage?: string | null;
  /**
   * A standby helper the cloud holds (deallocated, nothing attached): its id and facts. Default
   * none; `simulatedStandbyHelper` (standby.ts) gives one that fits the VM.
   */
  standbyHelper?: SimulatedStandbyFacts;
}

export interface SimulatedAzure extends SimulatedCloud {
  /** Things the simulation had to make up (e.g. the subnet when no NIC was given). */
  warnings: string[];
  /** The simulated compute the swap, verify and rollback resources act on (calls recorded). */
  compute: SimulatedCompute;
  /**
   * What the simulated scripts left in the artifacts container, by URL: the sample's collect
   * manifest and shipped files, the repair result and the hives it shipped back (empty when the
   * collect output is a 1.x document).
   */
  shipped: Map<string, string | Buffer>;
  /** Runs what `pulumi destroy` runs of the steps: the standby helper is detached and deallocated. */
  teardown(): Promise<void>;
}

export { examplesDir, sampleCollectOutput, sampleSnapshotImage } from "../../clouds/azure/sample";

const RG_TYPES: Record<string, [string, string, string]> = {
  // type token: [provider/type path, name input, extra path]
  "azure-native:compute:Snapshot": ["Microsoft.Compute/snapshots", "snapshotName", ""],
  "azure-native:compute:Disk": ["Microsoft.Compute/disks", "diskName", ""],
  "azure-native:compute:VirtualMachine": ["Microsoft.Compute/virtualMachines", "vmName", ""],
  "azure-native:network:NetworkSecurityGroup": [
    "Microsoft.Network/networkSecurityGroups",
    "networkSecurityGroupName",
    "",
  ],
  "azure-native:network:NetworkInterface": [
    "Microsoft.Network/networkInterfaces",
    "networkInterfaceName",
    "",
  ],
  "azure-native:storage:StorageAccount": ["Microsoft.Storage/storageAccounts", "accountName", ""],
};

export function guid(text: string): string {
  const x = createHash("sha1").update(text).digest("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

/** A stand-in for a NIC nobody described: its subnet id names the NIC it stands for. */
export function placeholderNic(
  subscriptionId: string,
  resourceGroup: string,
  nicName: string,
): AzureNicDescription {
  const rg = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
  return {
    id: `${rg}/providers/Microsoft.Network/networkInterfaces/${nicName}`,
    ipConfigurations: [
      {
        primary: true,
        subnet: {
          id: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-of-${nicName}/subnets/subnet-of-${nicName}`,
        },
      },
    ],
  };
}

export function simulatedAzure(options: SimulatedAzureOptions): SimulatedAzure {
  const vmArm = parseArmId(options.vm.id, "the VM's id");
  const sub = vmArm.subscriptionId;
  const warnings: string[] = [];
  // The broken VM: running on its broken OS disk, which bug-checks whenever it boots.
  const compute = new SimulatedCompute();
  let clockMs: number | undefined;
  const originalDisk = options.vm.storageProfile?.osDisk?.managedDisk?.id ?? null;
  compute.addVm(vmArm.resourceGroup, vmArm.name, {
    id: String(options.vm.id),
    osDiskId: originalDisk,
    powerState: "running",
    agentStatus: "Not Ready",
  });
  if (originalDisk) compute.brokenDisks.add(originalDisk);
  const standby = options.standbyHelper;
  if (standby) {
    const arm = parseArmId(standby.id, "the standby helper's id");
    addSimulatedStandby(compute, arm.resourceGroup, arm.name, standby);
  }
  // The steps whose delete acts on the cloud, as created (run again by teardown).
  const toTearDown: {
    kind: StepKind<Record<string, unknown>>;
    id: string;
    state: Record<string, unknown>;
  }[] = [];
  const collectText = () => JSON.stringify(options.collectOutput ?? sampleCollectOutput());
  // With no collect output given, collect.ps1 2.x ships the sample's raw files.
  let raw: Promise<ShippedSample | null> | undefined;
  const rawSample = () =>
    (raw ??= (options.collectOutput === undefined ? shippedSample() : Promise.resolve(null)).then(
      (sample) => {
        if (typeof sample === "string") warnings.push(sample);
        return typeof sample === "object" ? sample : null;
      },
    ));
  const shipped = new Map<string, string | Buffer>();
  const ship = async (kindToken: string, props: Record<string, unknown>) => {
    const sample = await rawSample();
    if (sample === null || typeof props.filesBase !== "string") return;
    const base = props.filesBase;
    if (kindToken === STEP_TYPES.azure.collectTriage) {
      shipped.set(String(props.collectOutputUrl), sample.manifestText);
      for (const [name, bytes] of sample.files)
        shipped.set(shippedFileUrl(base, "collect", name), bytes);
    }
    if (kindToken === STEP_TYPES.azure.repairCheck) {
      const plan = props.repairPlan as RepairPlan;
      const repaired = repairedSample(sample, plan);
      shipped.set(String(props.repairResultUrl), JSON.stringify(repaired.result));
      shipped.set(shippedFileUrl(base, "repaired", "SYSTEM"), repaired.system);
      shipped.set(shippedFileUrl(base, "repaired", "BCD"), repaired.bcd);
    }
  };
  // The real step kinds, acting on the simulated compute through a simulated cloud file (the
  // collect output is the blob the triage reads).
  const kinds = new Map<string, StepKind<Record<string, unknown>>>(
    AZURE_STEP_KINDS.map((k) => [k.token, k]),
  );
  // The steps that change the compute run one at a time: each works on a copy of the compute taken
  // at its start and written back at its end, which would undo a step run beside it (a standby
  // helper started while the broken VM is deallocated).
  let turn: Promise<unknown> = Promise.resolve();
  const runKind = <T>(
    kind: StepKind<Record<string, unknown>>,
    props: Record<string, unknown>,
    act: (ctx: StepContext) => Promise<T> = (ctx) =>
      kind.create(ctx, props) as unknown as Promise<T>,
  ): Promise<T> => {
    if (kind.token === STEP_TYPES.azure.snapshotDiagnosis) return runKindNow(kind, props, act);
    const run = turn.then(() => runKindNow(kind, props, act));
    turn = run.catch(() => undefined);
    return run;
  };
  const runKindNow = async <T>(
    kind: StepKind<Record<string, unknown>>,
    props: Record<string, unknown>,
    act: (ctx: StepContext) => Promise<T>,
  ): Promise<T> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-sim-"));
    const file = path.join(dir, "cloud.json");
    const blobs: Record<string, string> =
      kind.token === STEP_TYPES.azure.collectTriage
        ? { [String(props.collectOutputUrl)]: collectText() }
        : {};
    // The backup snapshot the diagnosis reads directly: its bytes are the given image, if any.
    const snapshots =
      kind.token === STEP_TYPES.azure.snapshotDiagnosis
        ? {
            [String(props.snapshotId).toLowerCase()]: {
              ...{
                image:
                  options.snapshotImage === undefined
                    ? sampleSnapshotImage()
                    : options.snapshotImage,
                sas: null,
                grants: 0,
                revokes: 0,
              },
            },
          }
        : undefined;
    const blobBytes: Record<string, string> = {};
    await ship(kind.token, props);
    // Only the steps that read shipped files get them: the others' state file stays small.
    const readsShipped =
      kind.token === STEP_TYPES.azure.collectTriage || kind.token === STEP_TYPES.azure.repairCheck;
    for (const [url, v] of readsShipped ? shipped : [])
      if (typeof v === "string") blobs[url] = v;
      else blobBytes[url] = v.toString("base64");
    try {
      writeSimulatedAzure(file, { ...compute.toJSON(), blobs, blobBytes, clockMs, snapshots });
      const ctx = {
        config: { simulatedCloud: file },
        signal: new AbortController().signal,
        deadline: Date.now() + kind.timeouts.create * 1000,
        log: () => undefined,
      };
      return await act(ctx);
    } finally {
      // The diagnosis changes nothing of the compute; it runs beside other steps, whose changes
      // its copy taken at the start must not overwrite.
      const after = readSimulatedAzure(file);
      if (kind.token !== STEP_TYPES.azure.snapshotDiagnosis) {
        compute.assign(after);
        clockMs = after.clockMs;
      } else {
        // What the diagnosis shipped stays in the artifacts container for the check after the repair.
        for (const [url, text] of Object.entries(after.blobs ?? {})) shipped.set(url, text);
        for (const [url, b64] of Object.entries(after.blobBytes ?? {}))
          shipped.set(url, Buffer.from(b64, "base64"));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  // A repair that sets safe mode leaves it on the disks attached to the helper it ran on.
  const markSafeBoot = (inputs: Record<string, unknown>) => {
    const params = Array.isArray(inputs.parameters) ? inputs.parameters : [];
    const actions = params.find((p: { name?: string }) => p?.name === "Actions") as
      { value?: unknown } | undefined;
    if (
      !String(actions?.value ?? "")
        .split(",")
        .includes("SetSafeBoot")
    )
      return;
    const helper =
      compute.toJSON().vms[`${inputs.resourceGroupName}/${inputs.vmName}`.toLowerCase()];
    for (const d of helper?.dataDiskIds ?? []) compute.safeBootDisks.add(d);
  };

  const call = (args: pulumi.runtime.MockCallArgs): Record<string, unknown> => {
    switch (args.token) {
      case "azure-native:compute:getVirtualMachine":
        return options.vm as Record<string, unknown>;
      case "azure-native:network:getNetworkInterface": {
        if (options.nic) return options.nic as Record<string, unknown>;
        const name = String(args.inputs.networkInterfaceName);
        warnings.push(
          `no NIC description given: the helper's subnet is a placeholder for the subnet of ${name} (pass --nic with az network nic show -o json)`,
        );
        return placeholderNic(sub, String(args.inputs.resourceGroupName), name) as Record<
          string,
          unknown
        >;
      }
      case "azure-native:compute:getDisk": {
        const d = options.vm.storageProfile?.osDisk;
        return {
          id: d?.managedDisk?.id,
          name: args.inputs.diskName,
          sku: d?.managedDisk?.storageAccountType
            ? { name: d.managedDisk.storageAccountType }
            : undefined,
          diskSizeGB: d?.diskSizeGB ?? d?.diskSizeGb ?? undefined,
          zones: options.vm.zones ?? undefined,
          hyperVGeneration: options.vm.instanceView?.hyperVGeneration ?? undefined,
        };
      }
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: guid("client"),
          objectId: guid("operator"),
          subscriptionId: sub,
          tenantId: guid("tenant"),
        };
      default:
        throw new Error(`the simulated Azure does not answer ${args.token}`);
    }
  };

  const newResource = async (
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> => {
    const inputs = args.inputs as Record<string, unknown>;
    const extra = options.resourceOutputs?.[args.type]?.(args) ?? {};
    const kind = kinds.get(args.type);
    if (kind) {
      const created = await runKind<{ id: string; outs: Record<string, unknown> }>(kind, inputs);
      if (kind.token === STEP_TYPES.azure.standbyUse)
        toTearDown.push({ kind, id: created.id, state: { ...inputs, ...created.outs } });
      return { id: created.id, state: { ...inputs, ...created.outs, ...extra } };
    }
    const known = RG_TYPES[args.type];
    if (known) {
      const [path, nameKey] = known;
      const resourceName = String(inputs[nameKey] ?? args.name);
      const id = `/subscriptions/${sub}/resourceGroups/${inputs.resourceGroupName}/providers/${path}/${resourceName}`;
      const state: Record<string, unknown> = { ...inputs, name: resourceName, ...extra };
      if (args.type === "azure-native:storage:StorageAccount") {
        state.primaryEndpoints = { blob: `https://${resourceName}.blob.core.windows.net/` };
      }
      if (args.type === "azure-native:compute:VirtualMachine") {
        state.identity = {
          type: "SystemAssigned",
          principalId: guid(`${id}/identity`),
          tenantId: guid("tenant"),
        };
        const disks = (
          (inputs.storageProfile as { dataDisks?: { managedDisk?: { id?: string } }[] } | undefined)
            ?.dataDisks ?? []
        ).flatMap((d) => (d.managedDisk?.id ? [d.managedDisk.id] : []));
        compute.addVm(String(inputs.resourceGroupName), resourceName, {
          id,
          osDiskId: `${id}-osdisk`,
          dataDiskIds: disks,
        });
      }
      return { id, state };
    }
    switch (args.type) {
      case "azure-native:storage:BlobContainer": {
        const id = `/subscriptions/${sub}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${inputs.accountName}/blobServices/default/containers/${inputs.containerName}`;
        return { id, state: { ...inputs, name: inputs.containerName, ...extra } };
      }
      case "azure-native:authorization:RoleAssignment": {
        const id = `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${inputs.roleAssignmentName}`;
        return { id, state: { ...inputs, name: inputs.roleAssignmentName, ...extra } };
      }
      case "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": {
        markSafeBoot(inputs);
        const id = `/subscriptions/${sub}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Compute/virtualMachines/${inputs.vmName}/runCommands/${inputs.runCommandName}`;
        const now = "2026-11-29T08:00:00Z";
        return {
          id,
          state: {
            ...inputs,
            name: inputs.runCommandName,
            provisioningState: "Succeeded",
            instanceView: {
              executionState: "Succeeded",
              exitCode: 0,
              output: "",
              error: "",
              startTime: now,
              endTime: now,
            },
            ...extra,
          },
        };
      }
      case "random:index/randomPassword:RandomPassword":
        return {
          id: `${args.name}-id`,
          state: { ...inputs, result: "simulated-Password-1!", ...extra },
        };
      default:
        return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
    }
  };

  const teardown = async () => {
    for (const s of toTearDown.reverse())
      await runKind(s.kind, s.state, (ctx) => s.kind.delete(ctx, s.id, s.state));
    toTearDown.length = 0;
  };

  return { call, newResource, warnings, compute, shipped, teardown };
}
