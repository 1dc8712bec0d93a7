/**
 * An in-memory Azure compute for the swap, verify and rollback logic: the tests' fake and the
 * simulated cloud's answer. VMs boot when their OS disk is not a known-broken disk; a VM on a broken
 * disk bug-checks again (serial log with SAC's BLUESCREEN record). Every call is recorded.
 */
import type { AzureComputeOps, BootDiagnosticsUrls, Clock, VmDisks, VmStatus } from "./operations";
import { sameId } from "./operations";

export interface SimulatedVm {
  id: string;
  osDiskId: string | null;
  dataDiskIds: string[];
  powerState: string;
  agentStatus: string | null;
  serialLog: string | null;
}

/** What the simulated cloud file keeps of the compute (JSON). */
export interface SimulatedComputeState {
  vms: Record<string, SimulatedVm>;
  diskTags: Record<string, Record<string, string>>;
  brokenDisks: string[];
  behaviour: Record<string, BootBehaviour>;
  deletedDisks: string[];
  serialLogOnStart: "reset" | "append";
  /** OS disks whose default boot entry has safeboot set (by a simulated repair). */
  safeBootDisks?: string[];
  calls: string[];
}

/** How a VM behaves when started: boots (Ready), bug-checks again, or never gets its agent Ready. */
export type BootBehaviour = "boots" | "bsod" | "hangs";

const key = (rg: string, name: string) => `${rg}/${name}`.toLowerCase();

export class SimulatedCompute implements AzureComputeOps {
  /** Every call, e.g. "deallocate rg/vm". */
  readonly calls: string[] = [];
  readonly vms = new Map<string, SimulatedVm>();
  readonly diskTags = new Map<string, Record<string, string>>();
  /** Disks that crash the VM they boot (the broken OS disk). */
  readonly brokenDisks = new Set<string>();
  /** Disks a repair set safeboot on: a VM started from one boots in safe mode (no guest agent). */
  readonly safeBootDisks = new Set<string>();
  /** Overrides the behaviour on start, per VM key ("rg/name", lower case). */
  readonly behaviour = new Map<string, BootBehaviour>();
  /** Disks that no longer exist (deleted outside the rescue): reading or attaching them is HTTP 404. */
  readonly deletedDisks = new Set<string>();
  /**
   * What a start does to the serial log: "reset" (a new log per boot) or "append" (boot
   * diagnostics keep the earlier boots' lines, e.g. the pre-swap crash).
   */
  serialLogOnStart: "reset" | "append" = "reset";
  /**
   * The revert of safe mode is a Run Command, as on live Azure: it reaches only a VM whose guest
   * agent is Ready, which safe mode does not start. False (the default): the revert always works.
   */
  runCommandNeedsAgent = false;
  /** Makes a method throw (an API error) the next time it is called. */
  readonly failures = new Map<keyof AzureComputeOps, Error>();
  /**
   * Called with each call's line as it starts (e.g. "setOsDisk rg/vm <disk>"): throws to fail the
   * call before it changes anything. The simulated cloud file injects its faults here.
   */
  onCall?: (line: string) => void;

  /** The state as JSON (what the simulated cloud file keeps). */
  toJSON(): SimulatedComputeState {
    return {
      vms: Object.fromEntries(this.vms),
      diskTags: Object.fromEntries(this.diskTags),
      brokenDisks: [...this.brokenDisks],
      behaviour: Object.fromEntries(this.behaviour),
      deletedDisks: [...this.deletedDisks],
      serialLogOnStart: this.serialLogOnStart,
      safeBootDisks: [...this.safeBootDisks],
      calls: [...this.calls],
    };
  }

  /** A compute holding `state` (missing parts empty). */
  static fromJSON(state: Partial<SimulatedComputeState> | undefined): SimulatedCompute {
    const c = new SimulatedCompute();
    c.assign(state ?? {});
    return c;
  }

  /** Replaces this compute's state with `state` (the same object stays, e.g. after a step ran on a file). */
  assign(state: Partial<SimulatedComputeState>): void {
    const refill = <K, V>(m: Map<K, V>, entries: [K, V][]) => {
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    };
    refill(this.vms, Object.entries(state.vms ?? {}));
    refill(this.diskTags, Object.entries(state.diskTags ?? {}));
    refill(this.behaviour, Object.entries(state.behaviour ?? {}));
    this.brokenDisks.clear();
    for (const d of state.brokenDisks ?? []) this.brokenDisks.add(d);
    this.deletedDisks.clear();
    for (const d of state.deletedDisks ?? []) this.deletedDisks.add(d);
    this.serialLogOnStart = state.serialLogOnStart ?? "reset";
    this.safeBootDisks.clear();
    for (const d of state.safeBootDisks ?? []) this.safeBootDisks.add(d);
    this.calls.length = 0;
    this.calls.push(...(state.calls ?? []));
  }

  addVm(
    resourceGroupName: string,
    vmName: string,
    vm: Partial<SimulatedVm> & { osDiskId: string | null },
  ): SimulatedVm {
    const full: SimulatedVm = {
      id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${resourceGroupName}/providers/Microsoft.Compute/virtualMachines/${vmName}`,
      dataDiskIds: [],
      powerState: "running",
      agentStatus: "Ready",
      serialLog: null,
      ...vm,
    };
    this.vms.set(key(resourceGroupName, vmName), full);
    return full;
  }

  vm(resourceGroupName: string, vmName: string): SimulatedVm {
    const vm = this.vms.get(key(resourceGroupName, vmName));
    if (!vm)
      throw Object.assign(
        new Error(
          `The Resource 'Microsoft.Compute/virtualMachines/${vmName}' under resource group '${resourceGroupName}' was not found.`,
        ),
        { statusCode: 404, code: "ResourceNotFound" },
      );
    return vm;
  }

  /** Calls that change something (everything but reads). */
  writes(): string[] {
    return this.calls.filter(
      (c) => !/^(getVmDisks|getDiskTags|getStatus|bootDiagnostics|readText) /.test(c),
    );
  }

  private enter(method: keyof AzureComputeOps, what: string): void {
    this.onCall?.(`${method} ${what}`);
    this.calls.push(`${method} ${what}`);
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  /** A deleted disk is HTTP 404; a managed disk is attached to one VM at a time (HTTP 409). */
  private refuseUnavailable(diskId: string): void {
    if (this.isDeleted(diskId)) throw this.diskNotFound(diskId);
    const holder = [...this.vms.values()].find(
      (v) => v.dataDiskIds.some((d) => sameId(d, diskId)) || sameId(v.osDiskId, diskId),
    );
    if (holder)
      throw Object.assign(new Error(`Disk ${diskId} is attached to VM ${holder.id}.`), {
        statusCode: 409,
        code: "OperationNotAllowed",
      });
  }

  async getVmDisks(rg: string, name: string): Promise<VmDisks> {
    this.enter("getVmDisks", `${rg}/${name}`);
    const vm = this.vm(rg, name);
    return { id: vm.id, osDiskId: vm.osDiskId, dataDiskIds: [...vm.dataDiskIds] };
  }

  async attachDataDisk(rg: string, name: string, diskId: string, lun: number): Promise<void> {
    this.enter("attachDataDisk", `${rg}/${name} ${diskId} lun ${lun}`);
    this.refuseUnavailable(diskId);
    this.vm(rg, name).dataDiskIds.push(diskId);
  }

  async detachDataDisk(rg: string, name: string, diskId: string): Promise<void> {
    this.enter("detachDataDisk", `${rg}/${name} ${diskId}`);
    const vm = this.vm(rg, name);
    vm.dataDiskIds = vm.dataDiskIds.filter((d) => !sameId(d, diskId));
  }

  async deallocate(rg: string, name: string): Promise<void> {
    this.enter("deallocate", `${rg}/${name}`);
    Object.assign(this.vm(rg, name), { powerState: "deallocated", agentStatus: null });
  }

  async setOsDisk(rg: string, name: string, diskId: string): Promise<void> {
    this.enter("setOsDisk", `${rg}/${name} ${diskId}`);
    this.refuseUnavailable(diskId);
    this.vm(rg, name).osDiskId = diskId;
  }

  async start(rg: string, name: string): Promise<void> {
    this.enter("start", `${rg}/${name}`);
    const vm = this.vm(rg, name);
    const broken = [...this.brokenDisks].some((d) => sameId(d, vm.osDiskId));
    const behaviour = this.behaviour.get(key(rg, name)) ?? (broken ? "bsod" : "boots");
    const safe =
      behaviour === "boots" && [...this.safeBootDisks].some((d) => sameId(d, vm.osDiskId));
    vm.powerState = "running";
    // safe mode starts no guest agent
    vm.agentStatus = behaviour === "boots" && !safe ? "Ready" : "Not Ready";
    const boot =
      behaviour === "bsod"
        ? 'Boot\r\n<?xml version="1.0"?><BP><INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x7E"</VALUE></PROPERTY></INSTANCE></BP>\r\n'
        : `Boot\r\nComputer is booting, SAC started and initialized.\r\n${safe ? "Safe mode\r\n" : ""}`;
    vm.serialLog = this.serialLogOnStart === "append" ? (vm.serialLog ?? "") + boot : boot;
  }

  /** The revert of safe mode: safeboot deleted from the OS disk's default entry, then a restart. */
  async clearSafeBoot(rg: string, name: string): Promise<void> {
    this.enter("clearSafeBoot", `${rg}/${name}`);
    const vm = this.vm(rg, name);
    if (this.runCommandNeedsAgent && vm.agentStatus !== "Ready")
      throw new Error(
        `Run Command cannot reach VM ${name}: its guest agent is ${vm.agentStatus ?? "not reporting"} (safe mode starts none)`,
      );
    for (const d of [...this.safeBootDisks])
      if (sameId(d, vm.osDiskId)) this.safeBootDisks.delete(d);
    await this.start(rg, name);
  }

  private isDeleted(diskId: string): boolean {
    return [...this.deletedDisks].some((d) => sameId(d, diskId));
  }

  private diskNotFound(diskId: string): Error {
    return Object.assign(
      new Error(`The Resource 'Microsoft.Compute/disks/${diskId.split("/").pop()}' was not found.`),
      { statusCode: 404, code: "ResourceNotFound" },
    );
  }

  async getDiskTags(diskId: string): Promise<Record<string, string> | null> {
    this.enter("getDiskTags", diskId);
    if (this.isDeleted(diskId)) return null;
    return { ...(this.diskTags.get(diskId.toLowerCase()) ?? {}) };
  }

  async addDiskTags(diskId: string, tags: Record<string, string>): Promise<void> {
    this.enter("addDiskTags", `${diskId} ${Object.keys(tags).join(",")}`);
    if (this.isDeleted(diskId)) throw this.diskNotFound(diskId);
    this.diskTags.set(diskId.toLowerCase(), {
      ...(this.diskTags.get(diskId.toLowerCase()) ?? {}),
      ...tags,
    });
  }

  async getStatus(rg: string, name: string): Promise<VmStatus> {
    this.enter("getStatus", `${rg}/${name}`);
    const vm = this.vm(rg, name);
    return { powerState: vm.powerState, agentStatus: vm.agentStatus };
  }

  async bootDiagnostics(rg: string, name: string): Promise<BootDiagnosticsUrls> {
    this.enter("bootDiagnostics", `${rg}/${name}`);
    const vm = this.vm(rg, name);
    const base = `https://simulated-bootdiag.blob.core.windows.net/bootdiagnostics/${name.toLowerCase()}`;
    return {
      screenshotUrl: `${base}/screenshot.bmp?sig=simulated`,
      serialLogUrl:
        vm.serialLog === null ? null : `${base}/serialconsole.log?sig=simulated#${key(rg, name)}`,
    };
  }

  async readText(url: string): Promise<string | null> {
    this.enter("readText", url);
    const vmKey = url.split("#")[1];
    return vmKey ? (this.vms.get(vmKey)?.serialLog ?? null) : null;
  }
}

/** A clock whose sleep only advances its time. */
export class SimulatedClock implements Clock {
  slept = 0;
  constructor(private t = Date.UTC(2026, 10, 29, 8, 0, 0)) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    this.slept += ms;
  }
}
