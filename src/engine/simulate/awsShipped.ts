/**
 * The simulated AWS rescue's guest files, as collect.ps1 2.x and repair.ps1 ship them: the collect
 * command prints the sample's manifest and PUTs its raw files to the presigned URLs it is given
 * (the simulated S3 keeps them), and before the check after the repair, the repair command's
 * result and the SYSTEM hive it shipped back (the plan's writes applied, {@link repairedSample})
 * are in the bucket where repair.ps1 leaves them. The report reads the same objects
 * ({@link AwsShipped.shipped}). Without the sample's raw files (no `xz`) the collect prints the
 * collect.ps1 1.x document and says so: its gate then stays closed (NOT_CHECKED_1X).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import type { Ec2State } from "../../clouds/aws/simulated";
import { simulatedRepairResult } from "./artifacts";
import { repairedSample, shippedSample, type ShippedSample } from "./shippedSample";
import { examplesDir } from "./azureCloud";

export interface AwsShipped {
  /** The sample's raw files, or null (a given collect output, or no sample). */
  raw: ShippedSample | null;
  /** What a collect document's command prints and ships (`collectText` without raw files). */
  collect(s: Ec2State, documentName: string, collectText: string): void;
  /** Puts what repair.ps1 left in the bucket before the check after the repair reads it. */
  beforeRepairCheck(s: Ec2State, inputs: Record<string, unknown>): void;
  /** What the guest shipped, by URL (`s3://bucket/key`, a command's output folder for its stdout). */
  shipped: Map<string, string | Buffer>;
}

/** `s3://bucket/key` → bucket and key. */
function s3Of(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// location: ${url}`);
  return { bucket: m[1], key: m[2] };
}

const b64 = (b: Buffer) => b.toString("base64");

/**
 * The sample on EC2: its SYSTEM hive is `examples/evidence/SYSTEM-aws.xz`, the same story with the
 * ENA and NVMe drivers a Nitro instance needs (made by make-sample-evidence.sh), in the manifest too.
 */
function onEc2(sample: ShippedSample): ShippedSample {
  const file = path.join(examplesDir(), "evidence", "SYSTEM-aws.xz");
  const system = execFileSync("xz", ["-dc", file], {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const sha256 = createHash("sha256").update(system).digest("hex");
  const manifest = {
    ...sample.manifest,
    files: sample.manifest.files.map((f) =>
      f.name === "SYSTEM" ? { ...f, sizeBytes: system.length, sha256 } : f,
    ),
  };
  const summary = sample.manifestText.slice(sample.manifestText.indexOf("\r\n"));
  const files = new Map(sample.files);
  files.set("SYSTEM", system);
  return { manifest, manifestText: `${JSON.stringify(manifest)}${summary}`, files, system };
}

export function awsShipped(collectGiven: boolean, warnings: string[]): AwsShipped {
  const sample = collectGiven ? null : shippedSample();
  if (typeof sample === "string") warnings.push(sample);
  const raw = sample !== null && typeof sample === "object" ? onEc2(sample) : null;
  const shipped = new Map<string, string | Buffer>();
  return {
    raw,
    shipped,
    collect(s, documentName, collectText) {
      s.commandOutput[documentName] = raw ? raw.manifestText : collectText;
      if (raw === null) return;
      s.guestFiles = {
        ...s.guestFiles,
        [documentName]: Object.fromEntries([...raw.files].map(([n, bytes]) => [n, b64(bytes)])),
      };
    },
    beforeRepairCheck(s, inputs) {
      if (raw === null || typeof inputs.filesBase !== "string") return;
      const plan = inputs.repairPlan as RepairPlan;
      const repaired = repairedSample(
        raw,
        plan,
        simulatedRepairResult(
          plan.actions.map((a) => a.action),
          plan.dryRun,
        ),
      );
      const resultText = `${JSON.stringify(repaired.result)}\r\nvm-rescue repair 1.2.0: simulated\r\n`;
      const folder = s3Of(String(inputs.repairResultUrl));
      s.objects[
        `${folder.bucket}/${folder.key}awsrunPowerShellScript/0.awsrunPowerShellScript/stdout`
      ] = resultText;
      const systemUrl = shippedFileUrl(inputs.filesBase, "repaired", "SYSTEM");
      const system = s3Of(systemUrl);
      s.objectBytes = {
        ...s.objectBytes,
        [`${system.bucket}/${system.key}`]: b64(repaired.system),
      };
      shipped.set(String(inputs.repairResultUrl), resultText);
      shipped.set(systemUrl, repaired.system);
      shipped.set(String(inputs.collectOutputUrl), raw.manifestText);
      for (const [name, bytes] of raw.files)
        shipped.set(shippedFileUrl(inputs.filesBase, "collect", name), bytes);
    },
  };
}
