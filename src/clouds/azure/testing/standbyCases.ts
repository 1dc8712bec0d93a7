/**
 * The contract cases of the standby helper's steps: the rescue's use of it (start it; the copy is
 * attached by DataDiskAttach)
 * and the StandbyHelper component's stop. The simulated helper is deallocated with nothing attached.
 */
import type { StepContractCase } from "../../../steps/testing/contractCase";
import { STEP_TYPES } from "../../../vocabulary/tokens";
import { SimulatedCompute } from "../simulated";
import { editSimulatedAzure, loadSimulatedCompute } from "../simulatedFile";
import { addSimulatedStandby } from "../standbyOps";
import { COPY, RG, SUB, seedFile } from "./world";

export const STANDBY = "standby-we-1";
export const STANDBY_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${STANDBY}`;

/** A cloud with one deallocated standby helper in westeurope, zone 1, with an identity. */
export function standbyWorld(): SimulatedCompute {
  const c = new SimulatedCompute();
  addSimulatedStandby(c, RG, STANDBY, {
    id: STANDBY_ID,
    location: "westeurope",
    zone: "1",
    principalId: "11111111-2222-3333-4444-555555555555",
  });
  return c;
}

/** The changing calls (the standby's reads are recorded as `describe`). */
const changesIn = (file: string): string[] =>
  loadSimulatedCompute(file)
    .writes()
    .filter((c) => !c.startsWith("describe "));

/** An operator changes the helper's power state by hand. */
const setPower = (file: string, powerState: string) =>
  editSimulatedAzure(file, (c) => {
    c.vm(RG, STANDBY).powerState = powerState;
  });

export const STANDBY_CONTRACT_CASES: StepContractCase[] = [
  {
    token: STEP_TYPES.azure.standbyUse,
    seed(file) {
      seedFile(file, standbyWorld());
      return {
        inputs: {
          subscriptionId: SUB,
          helperResourceGroupName: RG,
          helperVmName: STANDBY,
          copyDiskId: COPY,
          location: "westeurope",
          zone: "1",
          rescueId: "inc-4711",
        },
      };
    },
    outOfBand(file) {
      setPower(file, "deallocated");
      return { powerState: "deallocated", dataDiskIds: [] };
    },
    // the region spelled as the portal shows it is the same region: nothing changes in the cloud
    update: (inputs) => ({ ...inputs, location: "West Europe" }),
    changesIn,
    replace: (inputs) => ({ ...inputs, copyDiskId: `${COPY}-2` }),
  },
  {
    token: STEP_TYPES.azure.standbyStop,
    seed(file) {
      const c = standbyWorld();
      c.vm(RG, STANDBY).powerState = "running";
      seedFile(file, c);
      return {
        inputs: { subscriptionId: SUB, resourceGroupName: RG, vmName: STANDBY, vmId: STANDBY_ID },
      };
    },
    outOfBand(file) {
      setPower(file, "running");
      return { powerState: "running" };
    },
    // ARM ids are case-insensitive and come back in either casing: an update, nothing repeated
    update: (inputs) => ({ ...inputs, vmId: STANDBY_ID.toLowerCase() }),
    changesIn,
    replace: (inputs) => ({ ...inputs, vmName: "standby-we-2" }),
  },
];
