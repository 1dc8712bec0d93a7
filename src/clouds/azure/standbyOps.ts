/**
 * The Azure calls of a standby helper (`standby.ts`): read what the rescue must know of it, detach
 * a data disk, start it, deallocate it (the shared DataDiskAttach step attaches the copy). The real
 * ones use `@azure/arm-compute`; the simulated ones act on the {@link SimulatedCompute} (its VMs
 * carry the standby's location, zone and identity as extra fields) directly or through the
 * simulated cloud file.
 */
import { createHash } from "crypto";
import type { VirtualMachineUpdate, VirtualMachinesUpdateOptionalParams } from "@azure/arm-compute";
import type { StepContext } from "../../steps/contract";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { azureCredential } from "./runtime";
import { sameId } from "./operations";
import { SimulatedCompute, type SimulatedVm } from "./simulated";
import { editSimulatedAzure, loadSimulatedCompute } from "./simulatedFile";

/** What the rescue needs to know of a standby helper. */
export interface StandbyVm {
  id: string;
  location: string | null;
  zone: string | null;
  /** The principal of its system-assigned managed identity; null without one. */
  principalId: string | null;
  /** "running", "deallocated", "stopped", …; null when unknown. */
  powerState: string | null;
  dataDiskIds: string[];
  /** Its tags, and the rescue its `vm-rescue:standby-claim` tag names (null: none). */
  tags: Record<string, string>;
  claim: string | null;
  /** The VM's ETag as read: a write with If-Match fails (412) once the VM changed since. */
  etag: string | null;
}

export interface StandbyOps {
  describe(resourceGroupName: string, vmName: string): Promise<StandbyVm>;
  detachDataDisk(rg: string, vmName: string, diskId: string): Promise<void>;
  start(rg: string, vmName: string): Promise<void>;
  deallocate(rg: string, vmName: string): Promise<void>;
  /**
   * Sets (or with null removes) the claim tag, keeping its other tags, only if the VM is still as
   * `read` saw it (If-Match: its ETag); a VM changed since fails with 412 PreconditionFailed.
   */
  setClaim(rg: string, vmName: string, claim: string | null, read: StandbyVm): Promise<void>;
}

/** The tags with the claim tag set to `claim` (or removed, for null). */
function withClaim(tags: Record<string, string>, claim: string | null): Record<string, string> {
  const { [STANDBY_CLAIM_TAG]: _old, ...rest } = tags;
  return claim === null ? rest : { ...rest, [STANDBY_CLAIM_TAG]: claim };
}

/** A simulated VM with the facts of a standby helper. */
export type SimulatedStandbyVm = SimulatedVm & {
  location?: string;
  zone?: string | null;
  principalId?: string | null;
  tags?: Record<string, string>;
  /** How many times its tags were written: each write gives it a new ETag, as Azure's does. */
  tagWrites?: number;
};

/**
 * The simulated VM's ETag: new with every change to its model (disks, tags and each tag write),
 * not with its power state (the instance view, which the docs do not tie to the ETag).
 */
function etagOf(vm: SimulatedStandbyVm): string {
  const { powerState: _p, agentStatus: _a, serialLog: _s, ...model } = vm;
  return `"${createHash("sha256").update(JSON.stringify(model)).digest("hex").slice(0, 16)}"`;
}

/** A standby helper of the simulated cloud. */
export interface SimulatedStandbyFacts {
  id: string;
  subnetId: string;
  location: string;
  zone: string | null;
  /** Its system-assigned identity's principal; null: it has none. */
  principalId: string | null;
}

/** Adds a deallocated standby helper with nothing attached to a simulated compute. */
export function addSimulatedStandby(
  compute: SimulatedCompute,
  rg: string,
  name: string,
  facts: Omit<SimulatedStandbyFacts, "subnetId">,
): SimulatedStandbyVm {
  const vm = compute.addVm(rg, name, {
    id: facts.id,
    osDiskId: `${facts.id}-osdisk`,
    powerState: "deallocated",
    agentStatus: null,
  }) as SimulatedStandbyVm;
  Object.assign(vm, { location: facts.location, zone: facts.zone, principalId: facts.principalId });
  return vm;
}

/** The standby calls on a simulated compute (each call recorded in `compute.calls`). */
export function simulatedStandbyOps(compute: SimulatedCompute): StandbyOps {
  return {
    async describe(rg, name) {
      compute.calls.push(`describe ${rg}/${name}`);
      const vm = compute.vm(rg, name) as SimulatedStandbyVm;
      return {
        id: vm.id,
        location: vm.location ?? null,
        zone: vm.zone ?? null,
        principalId: vm.principalId ?? null,
        powerState: vm.powerState,
        dataDiskIds: [...vm.dataDiskIds],
        tags: { ...vm.tags },
        claim: vm.tags?.[STANDBY_CLAIM_TAG] ?? null,
        etag: etagOf(vm as SimulatedStandbyVm),
      };
    },
    async setClaim(rg, name, claim, read) {
      const vm = compute.vm(rg, name) as SimulatedStandbyVm;
      if (read.etag !== etagOf(vm))
        throw Object.assign(
          new Error(`The specified precondition 'If-Match = ${read.etag}' failed.`),
          { statusCode: 412, code: "PreconditionFailed" },
        );
      vm.tags = withClaim(read.tags, claim);
      vm.tagWrites = (vm.tagWrites ?? 0) + 1;
      compute.calls.push(`setClaim ${rg}/${name} ${claim ?? "(none)"}`);
    },
    detachDataDisk: (rg, name, diskId) => compute.detachDataDisk(rg, name, diskId),
    // a standby helper boots its own OS disk: Ready
    start: (rg, name) => compute.start(rg, name),
    deallocate: (rg, name) => compute.deallocate(rg, name),
  };
}

/** The standby calls on the simulated cloud file: each loads the file, acts and writes it back. */
export function fileStandbyOps(file: string): StandbyOps {
  const edit =
    <A extends unknown[]>(act: (ops: StandbyOps, ...a: A) => Promise<void>) =>
    async (...a: A): Promise<void> => {
      let pending: Promise<void> = Promise.resolve();
      editSimulatedAzure(file, (compute) => {
        pending = act(simulatedStandbyOps(compute), ...a);
      });
      await pending;
    };
  return {
    describe: (rg, name) => simulatedStandbyOps(loadSimulatedCompute(file)).describe(rg, name),
    detachDataDisk: edit((o, rg: string, n: string, d: string) => o.detachDataDisk(rg, n, d)),
    start: edit((o, rg: string, n: string) => o.start(rg, n)),
    deallocate: edit((o, rg: string, n: string) => o.deallocate(rg, n)),
    setClaim: edit((o, rg: string, n: string, c: string | null, r: StandbyVm) =>
      o.setClaim(rg, n, c, r),
    ),
  };
}

/** The real standby calls for one subscription, as the step's identity, bound to its signal. */
export function armStandbyOps(ctx: StepContext, subscriptionId: string): StandbyOps {
  const { ComputeManagementClient } =
    require("@azure/arm-compute") as typeof import("@azure/arm-compute");
  const client = new ComputeManagementClient(azureCredential(ctx.config.azure), subscriptionId);
  const vms = client.virtualMachines;
  const o = { abortSignal: ctx.signal };
  return {
    async describe(rg, name) {
      const vm = await vms.get(rg, name, { ...o, expand: "instanceView" });
      const power = (vm.instanceView?.statuses ?? []).find((s) =>
        s.code?.startsWith("PowerState/"),
      );
      const system = /SystemAssigned/i.test(vm.identity?.type ?? "");
      return {
        id: vm.id ?? name,
        location: vm.location ?? null,
        zone: vm.zones?.[0] ?? null,
        principalId: system ? (vm.identity?.principalId ?? null) : null,
        powerState: power?.code ? power.code.slice("PowerState/".length) : null,
        dataDiskIds: (vm.storageProfile?.dataDisks ?? []).flatMap((d) =>
          d.managedDisk?.id ? [d.managedDisk.id] : [],
        ),
        tags: { ...vm.tags },
        claim: vm.tags?.[STANDBY_CLAIM_TAG] ?? null,
        etag: vm.etag ?? null,
      };
    },
    async setClaim(rg, name, claim, read) {
      // A PATCH's tags replace the VM's: all of them are sent, the claim set or removed; If-Match
      // makes Azure refuse it (412) once the VM has changed since `read`.
      if (!read.etag) throw new Error(`no ETag for ${name}: its claim cannot be written safely`);
      const update: VirtualMachineUpdate = { tags: withClaim(read.tags, claim) };
      const options: VirtualMachinesUpdateOptionalParams = {
        abortSignal: ctx.signal,
        ifMatch: read.etag,
      };
      await vms.beginUpdateAndWait(rg, name, update, options);
    },
    async detachDataDisk(rg, name, diskId) {
      const vm = await vms.get(rg, name, o);
      const dataDisks = (vm.storageProfile?.dataDisks ?? []).map((d) =>
        sameId(d.managedDisk?.id, diskId) ? { ...d, toBeDetached: true } : d,
      );
      await vms.beginUpdateAndWait(rg, name, { storageProfile: { dataDisks } }, o);
    },
    async start(rg, name) {
      await vms.beginStartAndWait(rg, name, o);
    },
    async deallocate(rg, name) {
      await vms.beginDeallocateAndWait(rg, name, o);
    },
  };
}

/** The standby calls the configuration names: the simulated cloud file, else Azure. */
export function standbyOpsFor(ctx: StepContext, subscriptionId: string): StandbyOps {
  const file = ctx.config.simulatedCloud;
  return file ? fileStandbyOps(file) : armStandbyOps(ctx, subscriptionId);
}
