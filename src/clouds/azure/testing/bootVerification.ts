/** BootVerification test kit: the step's inputs and a VM the swap just started. Test-only. */
import type { BootVerificationInputs } from "../bootVerification";
import { SimulatedCompute } from "../simulated";

/** The inputs of BootVerification for app-vm-01 after a swap to disk `copy`. */
export const bootInputs = (over: Partial<BootVerificationInputs> = {}): BootVerificationInputs => ({
  subscriptionId: "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10",
  resourceGroupName: "rg-app-prod",
  vmName: "app-vm-01",
  rescueId: "inc-4711",
  swapped: true,
  osDiskId: "copy",
  timeoutMinutes: 10,
  pollSeconds: 30,
  ...over,
});

/**
 * app-vm-01 just after the swap started it on `disk`, with the calls so far cleared; `prepare`
 * marks the disks (broken, safe mode) before the start.
 */
export async function startedVm(
  disk: "copy" | "original",
  prepare: (compute: SimulatedCompute) => void,
): Promise<SimulatedCompute> {
  const compute = new SimulatedCompute();
  compute.addVm("rg-app-prod", "app-vm-01", {
    osDiskId: disk,
    powerState: "deallocated",
    agentStatus: null,
  });
  prepare(compute);
  await compute.start("rg-app-prod", "app-vm-01");
  compute.calls.length = 0;
  return compute;
}
