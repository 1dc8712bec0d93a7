import * as fs from "fs";
import * as path from "path";
import type { AzureNicDescription, AzureVmDescription } from "../../src/describe/azureVm";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

/** The bundled sample VM (`az vm show -o json` of app-vm-01), a fresh copy each call. */
export function sampleVm(): AzureVmDescription {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, "azure-vm.json"), "utf8"));
}

/** The bundled sample NIC (`az network nic show -o json`). */
export function sampleNic(): AzureNicDescription {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, "azure-nic.json"), "utf8"));
}

/** The sample VM changed by `edit` (which may mutate the copy it gets). */

export function vmWith(edit: (vm: any) => void): AzureVmDescription {
  const vm = sampleVm();
  edit(vm);
  return vm;
}

/** A Gen1, non-zonal Windows Server 2016 VM on Standard HDD, as ARM (getVirtualMachine) spells it. */
export function gen1StandardVm(): AzureVmDescription {
  return vmWith((vm) => {
    vm.zones = null;
    vm.hardwareProfile = { vmSize: "Standard_B2ms" };
    vm.storageProfile.imageReference = {
      publisher: "MicrosoftWindowsServer",
      offer: "WindowsServer",
      sku: "2016-Datacenter",
      version: "latest",
    };
    delete vm.storageProfile.osDisk.diskSizeGb;
    vm.storageProfile.osDisk.diskSizeGB = 128;
    vm.storageProfile.osDisk.managedDisk.storageAccountType = "Standard_LRS";
    vm.instanceView = {
      hyperVGeneration: "V1",
      osName: "Windows Server 2016 Datacenter",
      osVersion: "10.0.14393.7428",
    };
  });
}
