import * as fs from "node:fs";
import { parseCollectManifest, ScriptOutputError } from "../../collect/validate";
import type { CollectManifest, ShippedFile } from "../../collect/manifest";
import { GUEST_BINARY_PATHS } from "../../collect/manifest";
import { bundleFromManifest, collectFromManifest, type FetchShipped } from "./fromManifest";
import { collectFromEvidence } from "./collectFromEvidence";
import {
  SAMPLE_DUMP,
  SAMPLE_TARGET,
  SYSTEM_SOURCE,
  describeIf,
  missing,
  sampleManifest,
  sampleSystemHive,
  shippedFile,
} from "./testing/evidence";

/** A manifest as collect.ps1 2.0 prints it, with the files it names kept in `store`. */
function manifestOf(files: Record<string, [string, Buffer]>): {
  manifest: CollectManifest;
  store: Map<string, Buffer>;
} {
  const store = new Map<string, Buffer>();
  const entries: ShippedFile[] = [];
  for (const [name, [source, bytes]] of Object.entries(files)) {
    store.set(name, bytes);
    entries.push(shippedFile(name, source, bytes));
  }
  const manifest = parseCollectManifest(
    sampleManifest(entries, {
      memoryDump: { exists: true, sizeBytes: 1073741824, lastWriteUtc: "2026-11-29T06:13:00Z" },
      binaries: [
        {
          path: GUEST_BINARY_PATHS.awsEna,
          foundPath: "Windows\\System32\\drivers\\ena.sys",
          exists: true,
          version: "2.8.0.0",
          company: "Amazon Inc.",
          product: "ENA",
          signer: "CN=Microsoft Windows Hardware Compatibility Publisher",
          lastWriteUtc: "2025-01-01T00:00:00Z",
          sizeBytes: 180000,
        },
      ],
    }),
  );
  return { manifest, store };
}

const fetchFrom =
  (store: Map<string, Buffer>): FetchShipped =>
  async (name) =>
    store.get(name) ?? null;

describeIf(missing([], ["xz"]), "the evidence collect shipped", () => {
  const system = sampleSystemHive();
  const dump = fs.readFileSync(SAMPLE_DUMP);
  const files = {
    SYSTEM: [SYSTEM_SOURCE, system] as [string, Buffer],
    "minidump-01.dmp": ["Windows\\Minidump\\112926-9218-01.dmp", dump] as [string, Buffer],
  };

  it("gives the planner the facts the readers take from the same bytes", async () => {
    const { manifest, store } = manifestOf(files);
    const facts = await collectFromManifest(manifest, fetchFrom(store));
    const direct = collectFromEvidence(await bundleFromManifest(manifest, fetchFrom(store)));
    expect(facts.collect.services).toEqual(direct.collect.services);
    expect(facts.collect.services.length).toBeGreaterThan(50);
    expect(facts.collect.target).toMatchObject({
      diskNumber: 2,
      busType: "SCSI",
      windowsVolume: "F:\\",
      generation: 2,
    });
    expect(facts.collect.dumps.minidumps).toHaveLength(1);
    expect(facts.collect.dumps.memoryDmp.sizeBytes).toBe(1073741824);
    // The ENA driver's version comes from its binary's facts, cited from the file.
    expect(facts.collect.guest.awsEna).toEqual({ version: "2.8.0.0" });
    expect(facts.citations).toContainEqual({
      fact: "/guest/awsEna",
      file: "Windows\\System32\\drivers\\ena.sys",
    });
    expect(facts.citations.some((c) => c.file.endsWith("SYSTEM"))).toBe(true);
  });

  it("reads no file whose hash differs from the manifest", async () => {
    const { manifest, store } = manifestOf(files);
    const flipped = Buffer.from(system);
    flipped[5000] ^= 0xff;
    store.set("SYSTEM", flipped);
    const bundle = await bundleFromManifest(manifest, fetchFrom(store));
    expect(bundle.systemHive).toBeNull();
    expect(bundle.problems.join("\n")).toMatch(/SYSTEM: SHA-256 [0-9a-f]{64} differs/);
    expect(bundle.minidumps).toHaveLength(1);
  });

  it("reads no file whose size differs, and says which file is missing", async () => {
    const { manifest, store } = manifestOf(files);
    store.set("minidump-01.dmp", dump.subarray(0, 100));
    store.delete("SYSTEM");
    const bundle = await bundleFromManifest(manifest, fetchFrom(store));
    expect(bundle.minidumps).toHaveLength(0);
    expect(bundle.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^minidump-01\.dmp: 100 bytes, the manifest says/),
        "SYSTEM: listed as shipped but not found in the rescue's storage",
      ]),
    );
  });

  it("turns a fetch failure into one problem line", async () => {
    const { manifest } = manifestOf(files);
    const bundle = await bundleFromManifest(manifest, async () => {
      throw new Error("403 Forbidden\n<xml>...");
    });
    expect(bundle.problems).toContain("SYSTEM: could not be fetched (403 Forbidden)");
  });
});

describe("the manifest's validation", () => {
  const good = sampleManifest([], {
    target: { ...SAMPLE_TARGET, partitionStyle: "MBR", bcdStore: null, generation: null },
  });
  const file = (over: Partial<ShippedFile>) => ({
    ...shippedFile("SYSTEM", SYSTEM_SOURCE, Buffer.from("x")),
    ...over,
  });

  it("accepts the script's printed output: the document, then its summary line", () => {
    const text = `${JSON.stringify(good)}\r\nvm-rescue collect 2.0.0: disk 2 F:\\, 0 files found\r\n`;
    expect(parseCollectManifest(text).target.diskNumber).toBe(2);
  });

  it.each([
    ["a name read from the disk", file({ name: "..\\..\\evil.dmp" })],
    ["a name with a NUL", file({ name: "SYSTEM\u0000" })],
    ["a hash that is not hex", file({ sha256: "Z".repeat(64) })],
    ["an upper-case hash", file({ sha256: "A".repeat(64) })],
    ["a negative size", file({ sizeBytes: -1 })],
    ["an over-long source path", file({ sourcePath: "a".repeat(2000) })],
  ])("refuses %s in one line", (_label, bad) => {
    const doc = { ...good, files: [bad] };
    expect(() => parseCollectManifest(doc)).toThrow(ScriptOutputError);
    try {
      parseCollectManifest(doc);
    } catch (e) {
      expect((e as Error).message).toMatch(/^invalid collect manifest: \/files\/0/);
      expect((e as Error).message).not.toMatch(/\n/);
    }
  });
});

describe("the incident files collect listed (never read)", () => {
  const CS = "Windows\\System32\\drivers\\CrowdStrike";
  const listedFiles = [
    {
      path: `${CS}\\C-00000291-00000000-00000032.sys`,
      sizeBytes: 40788,
      lastWriteUtc: "2024-07-19T04:09:00Z",
    },
    {
      path: `${CS}\\C-00000285-00000000-00000013.sys`,
      sizeBytes: 3188,
      lastWriteUtc: "2024-07-16T11:20:31Z",
    },
  ];
  const manifest = (over: Record<string, unknown>) =>
    parseCollectManifest({
      ...sampleManifest([], {
        scriptVersion: "2.1.0",
        target: { ...SAMPLE_TARGET, bcdStore: null },
      }),
      ...over,
    });

  it("become the document's incidentFiles, with their sizes and last writes", async () => {
    const bundle = await bundleFromManifest(manifest({ listedFiles }), async () => null);
    const { collect } = collectFromEvidence(bundle);
    expect(collect.incidentFiles).toEqual(
      listedFiles.map((f) => ({
        path: f.path,
        exists: true,
        version: null,
        company: null,
        product: null,
        signer: null,
        lastWriteUtc: f.lastWriteUtc,
        sizeBytes: f.sizeBytes,
      })),
    );
  });

  it("a manifest of an earlier script (no listedFiles) still parses, with none", async () => {
    const bundle = await bundleFromManifest(manifest({}), async () => null);
    expect(collectFromEvidence(bundle).collect.incidentFiles ?? []).toEqual([]);
  });

  it.each([
    ["an over-long path", { ...listedFiles[0], path: "a".repeat(400) }],
    ["a negative size", { ...listedFiles[0], sizeBytes: -1 }],
    ["a missing last write", { path: listedFiles[0].path, sizeBytes: 1 }],
  ])("refuses %s in one line", (_label, bad) => {
    expect(() => manifest({ listedFiles: [bad] })).toThrow(
      /^invalid collect manifest: \/listedFiles\/0/,
    );
  });
});
