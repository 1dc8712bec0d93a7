import { triageEvidenceBundle } from "./decision";
import { parseCollectManifest } from "../../collect/validate";
import { bundleFromManifest } from "../../evidence/facts/fromManifest";
import {
  diagnoseSnapshot,
  snapshotDiagnosisKind,
  snapshotRangeOptions,
  type SnapshotReader,
} from "./snapshotDiagnosis";
import { testContext } from "./testing/runtime";
import { readSnapshotEvidence, type SnapshotAccess } from "./snapshotRead";
import { sampleSnapshotImage } from "./sample";
import { readEvidenceFromDisk } from "../../evidence/fromDisk";
import { openFileSource } from "../../evidence/disk";

test("the bundled sample snapshot holds the sample story's evidence", async () => {
  const file = await openFileSource(sampleSnapshotImage());
  try {
    const bundle = await readEvidenceFromDisk(file.source, { route: "disk-image" });
    expect(bundle.systemHive?.bytes.length).toBeGreaterThan(1024 * 1024);
    expect(bundle.bcd).not.toBeNull();
    expect(bundle.minidumps.map((m) => m.path)).toEqual([
      "\\Windows\\Minidump\\112926-9218-01.dmp",
    ]);
    expect(bundle.minidumps[0].bytes.toString("latin1", 0, 8)).toBe("PAGEDU64");
  } finally {
    await file.close();
  }
});

describe("the repair's facts from the snapshot", () => {
  const snapshotId =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s";
  const sampleReader: SnapshotReader = {
    access: { grantRead: async () => "https://x.example/s?sig=1", revoke: async () => undefined },
    open: async () => {
      const file = await openFileSource(sampleSnapshotImage());
      return {
        source: file.source,
        transport: () => ({ requests: 1, bytes: 1 }),
        close: file.close,
      };
    },
  };

  test("are the collect triage's decision of the same evidence: parameters, plan, operations, gate", async () => {
    const out = await diagnoseSnapshot(sampleReader, { snapshotId, rescueId: "r" });
    expect(out.diagnosed).toBe(true);
    const file = await openFileSource(sampleSnapshotImage());
    let same;
    try {
      same = triageEvidenceBundle(await readEvidenceFromDisk(file.source, { route: "disk-image" }));
    } finally {
      await file.close();
    }
    expect(out.repairActions).toEqual(["DisableDriver", "QuarantineDriverFile", "EnableEms"]);
    expect(out.repairPlan).toEqual(same.repairPlan);
    expect(out.repairParams).toEqual(same.repairParams);
    expect(out.gate).toEqual(same.gate);
    expect(out.gate.allowed).toBe(true);
    expect(out.operations).toBe(same.operations);
    expect(JSON.parse(out.operations)).toBeTruthy();
  });

  test("ships what it read as a collect manifest the check after the repair reads back", async () => {
    const blobs = new Map<string, Buffer>();
    const writer: SnapshotReader = { ...sampleReader, write: async (u, b) => void blobs.set(u, b) };
    const base = "https://a.blob.core.windows.net/c";
    const out = await diagnoseSnapshot(writer, {
      snapshotId,
      rescueId: "r",
      filesBase: base,
      manifestUrl: `${base}/collect/output.json`,
    });
    expect(out.diagnosed).toBe(true);
    const text = blobs.get(`${base}/collect/output.json`)!.toString("utf8");
    const manifest = parseCollectManifest(text);
    expect(manifest.target.busType).toBe("Snapshot");
    expect(manifest.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(["SYSTEM", "BCD", "minidump-01.dmp"]),
    );
    const bundle = await bundleFromManifest(manifest, async (name) =>
      blobs.has(`${base}/collect/${name}`) ? blobs.get(`${base}/collect/${name}`)! : null,
    );
    // every shipped file came back whole; only what the snapshot's read said is carried along
    expect(bundle.problems.filter((p) => !p.startsWith("collect snapshot: "))).toEqual([]);
    expect(bundle.systemHive!.bytes.length).toBeGreaterThan(1024 * 1024);
    // the same decision from the shipped files as from the snapshot
    const again = triageEvidenceBundle(bundle);
    expect(again.repairActions).toEqual(out.repairActions);
    expect(again.operations).toBe(out.operations);
  });

  test("deciding the repair, a snapshot it cannot read fails the step with the refusal", async () => {
    const kind = snapshotDiagnosisKind(() => ({
      access: {
        grantRead: async () => Promise.reject(new Error("encrypted")),
        revoke: async () => undefined,
      },
      open: async () => Promise.reject(new Error("never opened")),
    }));
    await expect(
      kind.create(testContext(), {
        snapshotId,
        rescueId: "r",
        filesBase: "https://a/c",
        manifestUrl: "https://a/c/collect/output.json",
      }),
    ).rejects.toThrow(/could not be diagnosed \(encrypted\): no repair was decided from it/);
  });

  test("a snapshot that cannot be read decides nothing and closes the gate, saying why", async () => {
    const locked: SnapshotReader = {
      access: {
        grantRead: async () => {
          throw new Error("the disk is encrypted with Azure Disk Encryption");
        },
        revoke: async () => undefined,
      },
      open: async () => Promise.reject(new Error("never opened")),
    };
    const out = await diagnoseSnapshot(locked, { snapshotId, rescueId: "r" });
    expect(out).toMatchObject({ diagnosed: false, operations: "", repairActions: [] });
    expect(out.repairParams).toBeUndefined();
    expect(out.repairPlan).toBeUndefined();
    expect(out.gate.allowed).toBe(false);
    expect(out.gate.reasons.join("\n")).toMatch(
      /could not be diagnosed \(the disk is encrypted with Azure Disk Encryption\): no repair was decided/,
    );
  });
});

describe("the diagnosis step under its deadline", () => {
  test("a read cut off by the deadline is diagnosed: false, not a failed rescue", async () => {
    const never = new Promise<never>(() => undefined);
    const reader = {
      access: { grantRead: () => never, revoke: async () => undefined },
      open: () => never,
    } as unknown as SnapshotReader;
    const kind = snapshotDiagnosisKind(() => reader);
    const ctx = testContext({}, { deadline: Date.now() + 50 });
    const snapshotId =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s";
    const { outs } = await kind.create(ctx, { snapshotId, rescueId: "r" });
    expect(outs.diagnosed).toBe(false);
    expect(outs.error).toBeTruthy();
  });
});

describe("the range reads of the diagnosis", () => {
  test("are bounded by a budget and end at the step's deadline or cancel", async () => {
    const cancel = new AbortController();
    const o = snapshotRangeOptions({ signal: cancel.signal, deadline: Date.now() + 60_000 });
    expect(o).toMatchObject({ maxRequests: 2000, maxBytes: 512 * 1024 * 1024 });
    expect(o.signal.aborted).toBe(false);
    cancel.abort();
    expect(o.signal.aborted).toBe(true);
    const late = snapshotRangeOptions({
      signal: new AbortController().signal,
      deadline: Date.now() + 20,
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(late.signal.aborted).toBe(true);
  });
});

describe("the read access always ends", () => {
  const snapshotId =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s";
  const counting = (grant: () => Promise<string>) => {
    const calls = { revokes: 0 };
    const access: SnapshotAccess = {
      grantRead: grant,
      revoke: async () => {
        calls.revokes++;
      },
    };
    return { access, calls };
  };

  test("a grant that failed or was cut off is revoked too (Azure may have granted it)", async () => {
    const { access, calls } = counting(async () => {
      throw new Error("The operation was aborted");
    });
    const failure = await readSnapshotEvidence(access, snapshotId, async () => {
      throw new Error("never opened");
    }).catch((e: unknown) => e);
    expect((failure as Error).message).toBe("The operation was aborted");
    expect(calls.revokes).toBe(1);
  });

  test("deleting the diagnosis revokes the access again", async () => {
    const { access, calls } = counting(async () => "https://x.example/s?sig=1");
    const kind = snapshotDiagnosisKind(() => ({
      access,
      open: async () => Promise.reject(new Error("x")),
    }));
    const ctx = testContext();
    await kind.delete(ctx, `${snapshotId}#diagnosis`, {
      snapshotId,
      rescueId: "r",
    } as Parameters<typeof kind.delete>[2]);
    expect(calls.revokes).toBe(1);
  });

  test("a revoke that fails after a failed read is named in the error", async () => {
    const access: SnapshotAccess = {
      grantRead: async () => "https://x.example/s?sig=1",
      revoke: async () => {
        throw new Error("throttled");
      },
    };
    const failure = await readSnapshotEvidence(access, snapshotId, async () => {
      throw new Error("403");
    }).catch((e: unknown) => e);
    expect((failure as Error).message).toBe(
      `403; revoking read access to s failed: throttled (end it with az snapshot revoke-access --ids ${snapshotId})`,
    );
  });
});

test("a snapshot whose access is already granted (ActiveSAS) is refused and left alone", async () => {
  const snapshotId =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s";
  const calls: string[] = [];
  const access: SnapshotAccess = {
    diskState: async () => "ActiveSAS",
    grantRead: async () => {
      calls.push("grant");
      return "https://x.example/s?sig=1";
    },
    revoke: async () => {
      calls.push("revoke");
    },
  };
  const failure = await readSnapshotEvidence(access, snapshotId, async () => {
    throw new Error("never opened");
  }).catch((e: unknown) => e);
  expect((failure as Error).message).toMatch(
    /^s already has read access granted \(diskState ActiveSAS\)/,
  );
  expect(calls).toEqual([]);
});
