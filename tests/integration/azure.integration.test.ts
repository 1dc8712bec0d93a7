/**
 * Real Azure rescue, end to end, with `pulumi up` and `pulumi destroy` through the Automation API.
 *
 * Needs: the Pulumi CLI, Azure credentials for DefaultAzureCredential / the azure-native provider
 * (e.g. `az login`, or ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID), ARM_SUBSCRIPTION_ID, a Pulumi
 * backend (PULUMI_BACKEND_URL, e.g. file://~/.pulumi-local, with PULUMI_CONFIG_PASSPHRASE), and a
 * disposable Windows VM to rescue: VM_RESCUE_IT_AZURE_RG and VM_RESCUE_IT_AZURE_VM. Costs money
 * (a helper VM for ~20 minutes, disks, a snapshot). Everything it keeps is tagged vm-rescue:id=it-<time>.
 */
import * as path from "path";
import { describeCloud } from "./cloud";

const ENV = [
  "ARM_SUBSCRIPTION_ID",
  "PULUMI_BACKEND_URL",
  "VM_RESCUE_IT_AZURE_RG",
  "VM_RESCUE_IT_AZURE_VM",
];

describeCloud("Azure rescue against a real VM", ENV, () => {
  jest.setTimeout(3 * 60 * 60 * 1000);
  const stackName = `it-${Date.now().toString(36)}`;

  const { LocalWorkspace } = require("@pulumi/pulumi/automation");
  let stack: any;

  beforeAll(async () => {
    stack = await LocalWorkspace.createOrSelectStack({
      stackName,
      workDir: path.resolve(__dirname, "..", ".."),
    });
    await stack.setAllConfig({
      "vm-rescue:cloud": { value: "azure" },
      "vm-rescue:resourceGroup": { value: process.env.VM_RESCUE_IT_AZURE_RG },
      "vm-rescue:vmName": { value: process.env.VM_RESCUE_IT_AZURE_VM },
    });
  });

  afterAll(async () => {
    if (stack) {
      await stack.destroy({ onOutput: () => undefined });
      await stack.workspace.removeStack(stackName);
    }
  });

  test("pulumi up backs up, copies, diagnoses the backup, and reports the outputs", async () => {
    const up = await stack.up({ onOutput: (s: string) => process.stdout.write(s) });
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.snapshotId.value).toMatch(/\/snapshots\//);
    expect(up.outputs.repairDiskId.value).toMatch(/\/disks\//);
    expect(up.outputs.collectStatus.value).toBe("Succeeded");
  });
});
