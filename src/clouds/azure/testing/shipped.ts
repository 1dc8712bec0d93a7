/**
 * Test plumbing for the raw-evidence path of the Azure rescue: the artifacts container as collect
 * and repair leave it (the manifest in the collect output blob, the shipped files under
 * `collect/`, the repair result and the hives shipped back under `repaired/`), served through the
 * runtime's blob reads.
 */
import { createHash } from "node:crypto";
import { CONTRACT_VERSION, type RepairPlan, type RepairResult } from "../../../collect/contract";
import { shippedFileUrl } from "../../../collect/layout";
import type { CollectManifest, ShippedFile } from "../../../collect/manifest";
import { sampleManifest } from "../../../evidence/facts/testing/evidence";
import type { Clock } from "../operations";
import type { RuntimeFor } from "../runtime";
import { SimulatedClock, SimulatedCompute } from "../simulated";

export const CONTAINER = "https://vmr0.blob.core.windows.net/rescue-inc-4711";
export const COLLECT_OUTPUT = `${CONTAINER}/collect/output.json`;
export const REPAIR_OUTPUT = `${CONTAINER}/repair/output.json`;

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The container's blobs by URL. */
export class Container {
  readonly blobs = new Map<string, Buffer>();
  readonly reads: string[] = [];

  /** collect.ps1 2.x's run: each file under collect/, the manifest (and its summary line) as the output blob. */
  collect(files: [name: string, sourcePath: string, bytes: Buffer][]): CollectManifest {
    const listed: ShippedFile[] = files.map(([name, sourcePath, bytes]) => ({
      name,
      sourcePath,
      sizeBytes: bytes.length,
      lastWriteUtc: "2026-11-29T06:13:02Z",
      sha256: sha(bytes),
      uploaded: true,
      skipped: null,
    }));
    for (const [name, , bytes] of files)
      this.blobs.set(shippedFileUrl(CONTAINER, "collect", name), bytes);
    const manifest = sampleManifest(listed) as unknown as CollectManifest;
    this.blobs.set(
      COLLECT_OUTPUT,
      Buffer.from(`${JSON.stringify(manifest)}\r\nvm-rescue collect 2.0.0: disk 2 F:\\\r\n`),
    );
    return manifest;
  }

  /** repair.ps1 1.2's run of `plan`: the returned hives under repaired/ and its result as the output blob. */
  repair(plan: RepairPlan, returned: { SYSTEM?: Buffer; BCD?: Buffer }): void {
    const result: RepairResult = {
      schemaVersion: CONTRACT_VERSION,
      kind: "repairResult",
      dryRun: plan.dryRun,
      scriptVersion: "1.2.0",
      error: null,
      results: plan.actions.map((a) => ({
        action: a.action,
        status: "succeeded",
        message: "done",
        startedAtUtc: "2026-12-06T07:10:00Z",
        endedAtUtc: "2026-12-06T07:11:00Z",
        exitCode: 0,
        undo: [],
      })),
      returned: (["SYSTEM", "BCD"] as const).map((name) => {
        const b = returned[name];
        if (b) this.blobs.set(shippedFileUrl(CONTAINER, "repaired", name), b);
        return {
          name,
          sizeBytes: b ? b.length : null,
          sha256: b ? sha(b) : null,
          uploaded: b !== undefined,
          message: b ? null : "not found on the disk",
        };
      }),
    };
    this.blobs.set(REPAIR_OUTPUT, Buffer.from(`${JSON.stringify(result)}\r\nrepair done\r\n`));
  }

  /** A runtime reading this container (text and bounded bytes; 404 / null when absent). */
  runtime(clock: Clock = new SimulatedClock()): RuntimeFor {
    return () => ({
      ops: new SimulatedCompute(),
      clock,
      readBlob: async (url) => {
        this.reads.push(url);
        const b = this.blobs.get(url);
        if (!b) throw Object.assign(new Error(`no blob at ${url}`), { statusCode: 404 });
        return b.toString("utf8");
      },
      readBlobBytes: async (url, max) => {
        this.reads.push(url);
        return this.blobs.get(url)?.subarray(0, max) ?? null;
      },
    });
  }
}
