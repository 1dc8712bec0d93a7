/**
 * `vm-rescue diagnose` on real cloud snapshots of a Windows OS disk, read directly (no helper):
 *
 * - Azure: VM_RESCUE_IT_AZURE_SNAPSHOT_ID (a snapshot resource id) and credentials the Azure SDK
 *   finds (ARM_* / AZURE_* variables, workload identity, `az login`) allowed
 *   `Microsoft.Compute/snapshots/beginGetAccess/action` and `endGetAccess/action`.
 * - AWS: VM_RESCUE_IT_AWS_SNAPSHOT_ID (a completed snapshot), AWS_REGION, credentials allowed
 *   `ebs:ListSnapshotBlocks` and `ebs:GetSnapshotBlock`.
 *
 * Where any of that is missing the suite is skipped with one line saying what; it never passes
 * without reading a real snapshot.
 */
import { main, type Io } from "../../src/cli/main";
import { EBS_CLIENT_PACKAGE } from "../../src/clouds/aws/ebsDirect";

function io(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

function hasPackage(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

function gate(title: string, missing: string[], body: () => void): void {
  if (missing.length > 0) {
    console.log(`skipped: ${title} — needs ${missing.join(", ")}`);
    describe.skip(`${title} (skipped)`, body);
  } else describe(title, body);
}

const azureSnapshot = process.env.VM_RESCUE_IT_AZURE_SNAPSHOT_ID;
gate(
  "diagnose --azure-snapshot on a real snapshot",
  azureSnapshot ? [] : ["VM_RESCUE_IT_AZURE_SNAPSHOT_ID"],
  () => {
    jest.setTimeout(15 * 60 * 1000);
    test("grants read access, reads the evidence over the SAS, revokes", async () => {
      const out = io();
      const code = await main(["diagnose", "--azure-snapshot", azureSnapshot!, "--json"], out);
      expect(out.stderr.join("")).toBe("");
      expect(code).toBe(0);
      const doc = JSON.parse(out.stdout.join(""));
      expect(doc.route).toBe("azure-snapshot");
      expect(doc.controlSet?.name).toMatch(/^ControlSet\d{3}$/);
      expect(doc.stats.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
      expect(doc.stats.requests).toBeLessThanOrEqual(400);
      expect(out.stdout.join("")).not.toMatch(/sig=/);
    });
  },
);

const awsSnapshot = process.env.VM_RESCUE_IT_AWS_SNAPSHOT_ID;
gate(
  "diagnose --aws-snapshot on a real snapshot",
  [
    ...(awsSnapshot ? [] : ["VM_RESCUE_IT_AWS_SNAPSHOT_ID"]),
    ...(process.env.AWS_REGION ? [] : ["AWS_REGION"]),
    ...(hasPackage(EBS_CLIENT_PACKAGE) ? [] : [`the ${EBS_CLIENT_PACKAGE} package`]),
  ],
  () => {
    jest.setTimeout(15 * 60 * 1000);
    test("reads the evidence through ListSnapshotBlocks and GetSnapshotBlock", async () => {
      const out = io();
      const code = await main(["diagnose", "--aws-snapshot", awsSnapshot!, "--json"], out);
      expect(out.stderr.join("")).toBe("");
      expect(code).toBe(0);
      const doc = JSON.parse(out.stdout.join(""));
      expect(doc.route).toBe("aws-snapshot");
      expect(doc.controlSet?.name).toMatch(/^ControlSet\d{3}$/);
      expect(doc.stats.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    });
  },
);
