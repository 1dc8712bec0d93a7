import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { CONTRACT_VERSION, type RepairResult } from "../collect/contract";
import { shippedFileUrl } from "../collect/layout";
import { decodeBcd } from "../evidence/bcd";
import { openHive } from "../evidence/hive";
import {
  SAMPLE_DUMP,
  describeIf,
  fixture,
  missing,
  sampleManifest,
  sampleSystemHive,
  shippedFile,
  storySetupApiLog,
} from "../evidence/facts/testing/evidence";
import { compileRepairPlan } from "../repair/operations";
import { applyWithHivex } from "../repair/operations/testing/hivex";
import { readEvidence, type ArtifactReader } from "./evidence";

const BASE = "https://acct.blob.core.windows.net/rescue";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The rescue's storage as the scripts leave it: documents and shipped files by URL. */
class Store implements ArtifactReader {
  readonly objects = new Map<string, Buffer>();
  async read(url: string): Promise<string> {
    const b = this.objects.get(url);
    if (!b) throw new Error(`404 ${url}`);
    return b.toString("utf8");
  }
  async readBytes(url: string, max: number): Promise<Uint8Array | null> {
    const b = this.objects.get(url);
    return b === undefined ? null : b.subarray(0, max);
  }
}

describeIf(
  missing([fixture("hives", "BCD")], ["xz", "hivexregedit"]),
  "the report from raw evidence",
  () => {
    const system = sampleSystemHive();
    const bcd = fs.readFileSync(fixture("hives", "BCD"));
    const files: [string, string, Buffer][] = [
      ["SYSTEM", "Windows\\System32\\config\\SYSTEM", system],
      ["BCD", "S:\\EFI\\Microsoft\\Boot\\BCD", bcd],
      ["minidump-01.dmp", "Windows\\Minidump\\112926-9218-01.dmp", fs.readFileSync(SAMPLE_DUMP)],
      ["setupapi.dev.log", "Windows\\INF\\setupapi.dev.log", storySetupApiLog()],
    ];

    function store(): Store {
      const s = new Store();
      for (const [name, , bytes] of files)
        s.objects.set(shippedFileUrl(BASE, "collect", name), bytes);
      const manifest = sampleManifest(files.map(([n, src, b]) => shippedFile(n, src, b)));
      s.objects.set(
        `${BASE}/collect-output.txt`,
        Buffer.from(`${JSON.stringify(manifest)}\r\nvm-rescue collect 2.0.0: disk 2 F:\\\r\n`),
      );
      return s;
    }

    /** The repair result and the hives a repair of `actions` would ship back, written by hivex. */
    function repaired(s: Store, tamper?: (ops: ReturnType<typeof compileRepairPlan>) => void) {
      return async (actions: RepairResult["results"][number]["action"][]) => {
        const first = await readEvidence(
          s,
          { collectOutput: `${BASE}/collect-output.txt`, repairResult: null, filesBase: BASE },
          { cloud: "azure" },
        );
        const plan = first.decision?.actions ?? [];
        expect(plan.map((a) => a.action)).toEqual(expect.arrayContaining(actions));
        const compiled = compileRepairPlan(
          {
            schemaVersion: CONTRACT_VERSION,
            kind: "repairPlan",
            dryRun: false,
            actions: plan as never,
          },
          {
            system: openHive(system, { label: "SYSTEM" }),
            bcd: decodeBcd(openHive(bcd, { label: "BCD" }), { file: "BCD" }),
          },
        );
        tamper?.(compiled);
        const afterSystem = applyWithHivex(system, compiled.operations, "SYSTEM");
        const afterBcd = applyWithHivex(bcd, compiled.operations, "BCD");
        s.objects.set(shippedFileUrl(BASE, "repaired", "SYSTEM"), afterSystem);
        s.objects.set(shippedFileUrl(BASE, "repaired", "BCD"), afterBcd);
        const result: RepairResult = {
          schemaVersion: CONTRACT_VERSION,
          kind: "repairResult",
          dryRun: false,
          scriptVersion: "1.2.0",
          error: null,
          results: plan.map((a) => ({
            action: a.action as never,
            status: "succeeded",
            message: "done",
            startedAtUtc: "2026-12-06T07:10:00Z",
            endedAtUtc: "2026-12-06T07:11:00Z",
            exitCode: 0,
            undo: [],
          })),
          returned: [
            {
              name: "SYSTEM",
              sizeBytes: afterSystem.length,
              sha256: sha(afterSystem),
              uploaded: true,
              message: null,
            },
            {
              name: "BCD",
              sizeBytes: afterBcd.length,
              sha256: sha(afterBcd),
              uploaded: true,
              message: null,
            },
          ],
        };
        s.objects.set(`${BASE}/repair-result.txt`, Buffer.from(JSON.stringify(result)));
        return readEvidence(
          s,
          {
            collectOutput: `${BASE}/collect-output.txt`,
            repairResult: `${BASE}/repair-result.txt`,
            filesBase: BASE,
          },
          { cloud: "azure" },
        );
      };
    }

    it("plans from the files, cites the culprit's key and checks the repaired hives", async () => {
      const ev = await repaired(store())(["DisableDriver"]);
      expect(ev.documents[0].status).toBe("read");
      expect(
        ev.facts?.some((f) => /^SYSTEM \\ControlSet00\d\\Services\\.+ : Start$/.test(f.source)),
      ).toBe(true);
      expect(ev.repairCheck).toMatchObject({ ok: true, differences: [] });
    });

    it("names the difference when the returned hive is not what the plan writes", async () => {
      const ev = await repaired(store(), (c) => {
        for (const o of c.operations)
          if (o.op === "setValue" && o.name === "Start") o.value = { type: "REG_DWORD", data: 3 };
      })(["DisableDriver"]);
      expect(ev.repairCheck?.ok).toBe(false);
      expect(ev.repairCheck?.differences[0]).toMatchObject({
        kind: "differs",
        expected: "REG_DWORD 4",
        found: "REG_DWORD 3",
      });
    });
  },
);
