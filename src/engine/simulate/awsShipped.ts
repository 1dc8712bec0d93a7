/**
 * The simulated AWS rescue's guest files, as collect.ps1 2.x and repair.ps1 ship them: the collect
 * command prints the sample's manifest and PUTs its raw files to the presigned URLs it is given
 * (the simulated S3 keeps them), and before the check after the repair, the repair command's
 * result and the SYSTEM hive it shipped back (the plan's writes applied, {@link repairedSample})
 * are in the bucket where repair.ps1 leaves them. The report reads the same objects
 * ({@link AwsShipped.shipped}). Without the sample's raw files (the sample disk unreadable, or no `xz`) the collect prints the
 * collect.ps1 1.x document and says so: its gate then stays closed (NOT_CHECKED_1X).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import type { Ec2State } from "../../clouds/aws/simulated";
import { repairedSample, shippedSample, type ShippedSample } from "./shippedSample";
import { examplesDir } from "./azureCloud";

/** A change of the simulated EC2's state (applied by the caller, between its reads and writes). */
export type StateChange = (s: Ec2State) => void;

export interface AwsShipped {
  /** What a collect document's command prints and ships (`collectText` without raw files). */
  collect(documentName: string, collectText: string): Promise<StateChange>;
  /** Puts what repair.ps1 left in the bucket before the check after the repair reads it. */
  beforeRepairCheck(inputs: Record<string, unknown>): Promise<StateChange>;
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
  let made = onEc2Samples.get(sample);
  if (!made) onEc2Samples.set(sample, (made = decompressOnEc2(sample)));
  return made;
}
/** Each sample's EC2 variant, made once per process (the `xz` run is the slow part). */
const onEc2Samples = new WeakMap<ShippedSample, ShippedSample>();

function decompressOnEc2(sample: ShippedSample): ShippedSample {
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
  return {
    ...sample,
    manifest,
    manifestText: `${JSON.stringify(manifest)}${summary}`,
    files,
    system,
  };
}

/**
 * The guest of the simulated AWS rescue. `collectGiven`: a collect output was given, printed as it
 * is (no raw files). The sample is read once, when the collect document is made.
 */
export function awsShipped(collectGiven: boolean, warnings: string[]): AwsShipped {
  let raw: Promise<{ sample: ShippedSample; base64: Record<string, string> } | null> | undefined;
  const rawSample = () =>
    (raw ??= (collectGiven ? Promise.resolve(null) : shippedSample()).then((sample) => {
      if (typeof sample === "string") warnings.push(sample);
      if (sample === null || typeof sample === "string") return null;
      let onEc2Sample: ShippedSample;
      try {
        onEc2Sample = onEc2(sample);
      } catch (e) {
        warnings.push(
          `the EC2 sample hive is not served (${String((e as Error).message ?? e).split("\n")[0]}): the simulated collect prints the collect.ps1 1.x sample document`,
        );
        return null;
      }
      // Encoded once: the same strings each time keep the state file's side files as they are.
      const base64 = Object.fromEntries([...onEc2Sample.files].map(([n, b]) => [n, b64(b)]));
      return { sample: onEc2Sample, base64 };
    }));
  const shipped = new Map<string, string | Buffer>();
  return {
    shipped,
    async collect(documentName, collectText) {
      const got = await rawSample();
      return (s) => {
        s.commandOutput[documentName] = got ? got.sample.manifestText : collectText;
        if (got === null) return;
        s.guestFiles = { ...s.guestFiles, [documentName]: got.base64 };
      };
    },
    async beforeRepairCheck(inputs) {
      const got = await rawSample();
      if (got === null || typeof inputs.filesBase !== "string") return () => undefined;
      const { sample } = got;
      const base = inputs.filesBase;
      const plan = inputs.repairPlan as RepairPlan;
      const repaired = repairedSample(sample, plan);
      const resultText = `${JSON.stringify(repaired.result)}\r\nvm-rescue repair 1.2.0: simulated\r\n`;
      const folder = s3Of(String(inputs.repairResultUrl));
      const back = {
        SYSTEM: shippedFileUrl(base, "repaired", "SYSTEM"),
        BCD: shippedFileUrl(base, "repaired", "BCD"),
      };
      shipped.set(String(inputs.repairResultUrl), resultText);
      shipped.set(back.SYSTEM, repaired.system);
      shipped.set(back.BCD, repaired.bcd);
      shipped.set(String(inputs.collectOutputUrl), sample.manifestText);
      for (const [name, bytes] of sample.files)
        shipped.set(shippedFileUrl(base, "collect", name), bytes);
      const objects = Object.fromEntries(
        (["SYSTEM", "BCD"] as const).map((n) => {
          const o = s3Of(back[n]);
          return [`${o.bucket}/${o.key}`, b64(repaired[n === "SYSTEM" ? "system" : "bcd"])];
        }),
      );
      return (s) => {
        s.objects[
          `${folder.bucket}/${folder.key}awsrunPowerShellScript/0.awsrunPowerShellScript/stdout`
        ] = resultText;
        s.objectBytes = { ...s.objectBytes, ...objects };
      };
    },
  };
}
