/**
 * The few Azure compute calls the swap, verify and rollback steps make, behind a narrow interface so
 * their logic is tested against a fake ({@link AzureComputeOps}). The real implementation
 * ({@link armComputeOps}) uses `@azure/arm-compute` with the credential the step's configuration
 * names (`runtime.ts`) and passes the step's abort signal to every call.
 */
import type { TokenCredential } from "@azure/identity";
import { ID_TAG, ORIGINAL_OS_DISK_OF_TAG, ROLLED_BACK_COPY_OF_TAG } from "../../vocabulary/tags";

/** What the rescue needs to know about a VM's disks. Disk ids as Azure returns them. */
export interface VmDisks {
  /** The VM's resource id. */
  id: string;
  osDiskId: string | null;
  dataDiskIds: string[];
}

/** The parts of the instance view that tell whether Windows came up. */
export interface VmStatus {
  /** "running", "deallocated", "stopped", "starting", ... (the `PowerState/` code without prefix); null when unknown. */
  powerState: string | null;
  /** The guest agent's display status ("Ready", "Not Ready"); null when it has not reported. */
  agentStatus: string | null;
}

export interface BootDiagnosticsUrls {
  /** Short-lived SAS URL of the console screenshot, or null. */
  screenshotUrl: string | null;
  /** Short-lived SAS URL of the serial console log, or null. */
  serialLogUrl: string | null;
}

export interface AzureComputeOps {
  getVmDisks(resourceGroupName: string, vmName: string): Promise<VmDisks>;
  /** Attaches a managed disk (by id) to a VM, running or not, as a data disk at `lun`. */
  attachDataDisk(
    resourceGroupName: string,
    vmName: string,
    diskId: string,
    lun: number,
  ): Promise<void>;
  /** Detaches a managed data disk (by id) from a VM. */
  detachDataDisk(resourceGroupName: string, vmName: string, diskId: string): Promise<void>;
  deallocate(resourceGroupName: string, vmName: string): Promise<void>;
  /** Makes the managed disk `diskId` the VM's OS disk (the previous one stays, detached). */
  setOsDisk(resourceGroupName: string, vmName: string, diskId: string): Promise<void>;
  start(resourceGroupName: string, vmName: string): Promise<void>;
  /** Merges tags into a disk's tags. */
  addDiskTags(diskId: string, tags: Record<string, string>): Promise<void>;
  /** A disk's tags ({} when it has none); null when the disk does not exist (HTTP 404). */
  getDiskTags(diskId: string): Promise<Record<string, string> | null>;
  getStatus(resourceGroupName: string, vmName: string): Promise<VmStatus>;
  /** Boot-diagnostics URLs (`retrieveBootDiagnosticsData`); nulls when boot diagnostics are off. */
  bootDiagnostics(resourceGroupName: string, vmName: string): Promise<BootDiagnosticsUrls>;
  /** Text at a (SAS) URL, e.g. the serial log; null when it cannot be read. */
  readText(url: string): Promise<string | null>;
  /**
   * Deletes safeboot from the boot entry of a running VM and restarts it ({@link SAFE_BOOT_REVERT},
   * a Run Command). A VM in safe mode runs no guest agent, so the command may not reach it: then
   * it throws and the rescue leaves the revert to a person (src/swap/safeMode.ts).
   */
  clearSafeBoot?(resourceGroupName: string, vmName: string): Promise<void>;
}

/**
 * The revert of safe mode on the booted VM, as one fixed Run Command (no parameter, nothing from
 * the disk): safeboot is deleted from the entry Windows booted (`{current}`), then read back; the
 * output's last line says it is gone. The VM is restarted by the caller. Safe mode starts no guest
 * agent, so Azure may refuse or time out the command: then the revert is left for a person.
 */
export const SAFE_BOOT_REVERT = {
  commandId: "RunPowerShellScript",
  script: [
    "$ErrorActionPreference = 'Stop'",
    "$out = & bcdedit.exe /deletevalue '{current}' safeboot 2>&1",
    "$code = $LASTEXITCODE",
    "$left = & bcdedit.exe /enum '{current}' | Select-String -Pattern '^safeboot\\s'",
    "if ($left) { throw ('safeboot is still set on {current} (bcdedit exit ' + $code + '): ' + (($out | Out-String).Trim())) }",
    "Write-Output 'vm-rescue: safeboot removed from {current}'",
  ],
} as const;

/** The output line {@link SAFE_BOOT_REVERT} ends with when safeboot is gone. */
export const SAFE_BOOT_REVERTED = /vm-rescue: safeboot removed from \{current\}\s*$/;

/** Every method of {@link AzureComputeOps}. */
export const COMPUTE_METHODS: readonly (keyof AzureComputeOps)[] = [
  "getVmDisks",
  "attachDataDisk",
  "detachDataDisk",
  "deallocate",
  "setOsDisk",
  "start",
  "addDiskTags",
  "getDiskTags",
  "getStatus",
  "bootDiagnostics",
  "readText",
  "clearSafeBoot",
];

/** The operations for a subscription: {@link armComputeOps}, or a fake in tests and the simulated cloud. */
export type OpsFactory = (subscriptionId: string) => AzureComputeOps;

/** Tags the rescue leaves on the disk that is no longer the OS disk. */
export function detachedDiskTags(
  rescueId: string,
  vmId: string,
  role: "original" | "repaired-copy",
): Record<string, string> {
  return role === "original"
    ? { [ID_TAG]: rescueId, [ORIGINAL_OS_DISK_OF_TAG]: vmId }
    : { [ID_TAG]: rescueId, [ROLLED_BACK_COPY_OF_TAG]: vmId };
}

/** Deallocates the VM, makes `to` its OS disk and starts it; `beforeStart` runs while it is deallocated. */
export async function moveOsDisk(
  ops: AzureComputeOps,
  rg: string,
  vmName: string,
  to: string,
  beforeStart: () => Promise<void> = async () => undefined,
): Promise<void> {
  await step(`deallocating VM ${vmName}`, () => ops.deallocate(rg, vmName));
  await beforeStart();
  await step(`setting ${to} as the OS disk of VM ${vmName}`, () => ops.setOsDisk(rg, vmName, to));
  await step(`starting VM ${vmName}`, () => ops.start(rg, vmName));
}

/** A VM whose OS disk is neither the one expected nor the rescue's: someone else changed it. */
export const changedOutside = (
  vmName: string,
  osDiskId: string | null,
  expected: string,
  what: string,
) =>
  new Error(
    `VM ${vmName} has OS disk ${osDiskId ?? "(none)"}, expected ${expected}; it was changed outside this rescue, so nothing is ${what}`,
  );

/** Time, injectable so waiting is tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** Same disk, whatever the casing Azure returns for the resource group or provider. */
export function sameId(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** "…/resourceGroups/<rg>/providers/Microsoft.Compute/disks/<name>" → { resourceGroup, name }. */
export function diskRef(diskId: string): { resourceGroup: string; name: string } {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/disks\/([^/]+)$/i.exec(
    diskId,
  );
  if (!m) throw new Error(`${JSON.stringify(diskId)} is not a managed disk id`);
  return { resourceGroup: m[1], name: m[2] };
}

/** Runs one compute step; an API error becomes one line naming the step, the status and Azure's code. */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const err = e as { message?: string; code?: string; statusCode?: number };
    const detail = [err.statusCode ? `HTTP ${err.statusCode}` : null, err.code ?? null]
      .filter(Boolean)
      .join(" ");
    throw new Error(`${what} failed${detail ? ` (${detail})` : ""}: ${err.message ?? String(e)}`);
  }
}

/** Who the real operations run as and what aborts their calls. */
export interface ArmOptions {
  /** Default: `DefaultAzureCredential` (the environment's identity). */
  credential?: TokenCredential;
  /** Passed to every SDK call and poll (the step's cancel and deadline). */
  signal?: AbortSignal;
}

/** The real operations against Azure, for one subscription. */
export function armComputeOps(subscriptionId: string, options: ArmOptions = {}): AzureComputeOps {
  // Required here, not imported at the top: the SDK loads only when a real call is made.
  const { ComputeManagementClient } =
    require("@azure/arm-compute") as typeof import("@azure/arm-compute");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const client = new ComputeManagementClient(
    options.credential ?? new DefaultAzureCredential(),
    subscriptionId,
  );
  const vms = client.virtualMachines;
  const o = { abortSignal: options.signal };
  return {
    async getVmDisks(rg, name) {
      const vm = await vms.get(rg, name, o);
      return {
        id:
          vm.id ??
          `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`,
        osDiskId: vm.storageProfile?.osDisk?.managedDisk?.id ?? null,
        dataDiskIds: (vm.storageProfile?.dataDisks ?? []).flatMap((d) =>
          d.managedDisk?.id ? [d.managedDisk.id] : [],
        ),
      };
    },
    async attachDataDisk(rg, name, diskId, lun) {
      const vm = await vms.get(rg, name, o);
      const dataDisks = [
        ...(vm.storageProfile?.dataDisks ?? []),
        { lun, createOption: "Attach", managedDisk: { id: diskId }, deleteOption: "Detach" },
      ];
      await vms.beginUpdateAndWait(rg, name, { storageProfile: { dataDisks } }, o);
    },
    async detachDataDisk(rg, name, diskId) {
      const vm = await vms.get(rg, name, o);
      const dataDisks = (vm.storageProfile?.dataDisks ?? []).map((d) =>
        sameId(d.managedDisk?.id, diskId) ? { ...d, toBeDetached: true } : d,
      );
      await vms.beginUpdateAndWait(rg, name, { storageProfile: { dataDisks } }, o);
    },
    async deallocate(rg, name) {
      await vms.beginDeallocateAndWait(rg, name, o);
    },
    async setOsDisk(rg, name, diskId) {
      const vm = await vms.get(rg, name, o);
      const current = vm.storageProfile?.osDisk;
      if (!current) throw new Error(`VM ${name} has no OS disk in its model`);
      const { diskSizeGB: _size, ...rest } = current;
      await vms.beginUpdateAndWait(
        rg,
        name,
        {
          storageProfile: {
            osDisk: {
              ...rest,
              name: diskRef(diskId).name,
              managedDisk: { ...(current.managedDisk ?? {}), id: diskId },
            },
          },
        },
        o,
      );
    },
    async start(rg, name) {
      await vms.beginStartAndWait(rg, name, o);
    },
    async addDiskTags(diskId, tags) {
      const { resourceGroup, name } = diskRef(diskId);
      const disk = await client.disks.get(resourceGroup, name, o);
      await client.disks.beginUpdateAndWait(
        resourceGroup,
        name,
        { tags: { ...(disk.tags ?? {}), ...tags } },
        o,
      );
    },
    async getDiskTags(diskId) {
      const { resourceGroup, name } = diskRef(diskId);
      try {
        return (await client.disks.get(resourceGroup, name, o)).tags ?? {};
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return null;
        throw e;
      }
    },
    async getStatus(rg, name) {
      const view = await vms.instanceView(rg, name, o);
      const power = (view.statuses ?? []).find((s) => s.code?.startsWith("PowerState/"));
      return {
        powerState: power?.code ? power.code.slice("PowerState/".length) : null,
        agentStatus: view.vmAgent?.statuses?.[0]?.displayStatus ?? null,
      };
    },
    async bootDiagnostics(rg, name) {
      const r = await vms.retrieveBootDiagnosticsData(rg, name, {
        sasUriExpirationTimeInMinutes: 60,
        ...o,
      });
      return {
        screenshotUrl: r.consoleScreenshotBlobUri ?? null,
        serialLogUrl: r.serialConsoleLogBlobUri ?? null,
      };
    },
    async readText(url) {
      const res = await fetch(url, { signal: options.signal });
      return res.ok ? await res.text() : null;
    },
    async clearSafeBoot(rg, name) {
      const r = await vms.beginRunCommandAndWait(
        rg,
        name,
        { commandId: SAFE_BOOT_REVERT.commandId, script: [...SAFE_BOOT_REVERT.script] },
        o,
      );
      const out = (r.value ?? []).map((v) => v.message ?? "").join("\n");
      if (!SAFE_BOOT_REVERTED.test(out.trim()))
        throw new Error(
          `the Run Command did not confirm the revert: ${out.replace(/\s+/g, " ").trim().slice(0, 300) || "no output"}`,
        );
      await vms.beginRestartAndWait(rg, name, o);
    },
  };
}
