import * as fs from "node:fs";
import * as path from "node:path";
import { convertImage, makeTempDir } from "../../evidence/disk/testing/diskImages";
import { startRangeServer, type RangeServer } from "../../evidence/disk/testing/rangeServer";
import {
  buildWindowsDisks,
  truncatedCopy,
  windowsDiskSkipReason,
  type WindowsDisks,
} from "../../evidence/fromDisk/testing/windowsDisk";
import { diagnoseSnapshot, snapshotDiagnosisKind, type SnapshotReader } from "./snapshotDiagnosis";
import { httpSasOpener, type SnapshotAccess } from "./snapshotRead";
import { simulatedSnapshotAccess, type SimulatedSnapshotsState } from "./simulatedSnapshots";
import { readSimulatedAzure } from "./simulatedFile";
import { brokenWorld, seedFile, SNAPSHOT } from "./testing/world";
import { testContext } from "./testing/runtime";

/**
 * The diagnosis read straight from the backup snapshot: a Windows disk written by mkntfs/ntfs-3g,
 * mtools, sgdisk around the real SYSTEM hive, BCD and minidump, wrapped by qemu-img as the fixed
 * VHD a snapshot's SAS serves, behind a loopback range server that stands in for the SAS URL.
 */
const dir = makeTempDir("snapshot-diagnosis-");
let disks: WindowsDisks | undefined;
let vhd = "";
let skip = windowsDiskSkipReason();
if (!skip) {
  const built = buildWindowsDisks(dir);
  if (typeof built === "string") skip = built;
  else {
    disks = built;
    vhd = convertImage(built.gen2Raw, path.join(dir, "gen2.vhd"), "vhd-fixed");
  }
}
if (skip) console.warn(`snapshot diagnosis tests on built Windows disks skipped: ${skip}`);
const describeDisks = skip ? describe.skip : describe;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fresh = (): SimulatedSnapshotsState => ({
  [SNAPSHOT.toLowerCase()]: { image: null, sas: null, grants: 0, revokes: 0 },
});
const fast = httpSasOpener({ maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 });

describeDisks("SnapshotDiagnosis on a built Windows disk served as a snapshot's SAS", () => {
  let server: RangeServer;
  let state: SimulatedSnapshotsState;
  let reader: SnapshotReader;
  beforeEach(async () => {
    server = await startRangeServer(fs.readFileSync(vhd), "/snap/abcd");
    state = fresh();
    const base = server.url.split("?")[0];
    reader = { access: simulatedSnapshotAccess(state, undefined, () => base), open: fast };
  });
  afterEach(() => server.close());

  test("reads the evidence through the SAS, decides, and revokes the access", async () => {
    const out = await diagnoseSnapshot(reader, { snapshotId: SNAPSHOT, rescueId: "inc-4711" });
    expect(out).toMatchObject({
      diagnosed: true,
      controlSet: "ControlSet001",
      defaultLoaderPath: "\\Windows\\system32\\winload.efi",
      culprit: { module: "amdppm.sys" },
    });
    expect(out.error).toBeUndefined();
    expect(out.repairActions.length).toBeGreaterThan(0);
    expect(out.summary[0]).toMatch(/amdppm\.sys/);
    expect(out.requests).toBe(server.seen.length);
    expect(out.bytes).toBeLessThan(64 * 1024 * 1024);
    // every request carried the granted SAS; the access was ended after the read
    expect(server.seen.every((r) => /sig=[0-9a-f]{32}/.test(r.url))).toBe(true);
    expect(state[SNAPSHOT.toLowerCase()]).toMatchObject({ sas: null, grants: 1, revokes: 1 });
    expect(JSON.stringify(out)).not.toMatch(/sig=/);
  });

  test("the step logs the plan without the SAS, and read keeps the recorded diagnosis", async () => {
    const kind = snapshotDiagnosisKind(() => reader);
    const ctx = testContext();
    const { id, outs } = await kind.create(ctx, { snapshotId: SNAPSHOT, rescueId: "inc-4711" });
    expect(id).toBe(`${SNAPSHOT}#diagnosis`);
    expect(outs.diagnosed).toBe(true);
    expect(ctx.lines.join("\n")).toMatch(/diagnosed from the snapshot: amdppm\.sys; plan \w+/);
    expect(ctx.lines.join("\n")).not.toMatch(/sig=/);
    expect(await kind.read(ctx, id, outs)).toEqual(outs);
  });

  test("a truncated snapshot is one line, not a failure, and the access is still revoked", async () => {
    await server.close();
    server = await startRangeServer(
      fs.readFileSync(truncatedCopy(disks!.gen2Raw, 0.5, "cut.raw")),
      "/snap/abcd",
    );
    const base = server.url.split("?")[0];
    reader = { access: simulatedSnapshotAccess(state, undefined, () => base), open: fast };
    const out = await diagnoseSnapshot(reader, { snapshotId: SNAPSHOT, rescueId: "inc-4711" });
    expect(out.diagnosed).toBe(false);
    expect(out.error).toMatch(/GPT|outside|ended/);
    expect(out.error).not.toMatch(/\n|sig=/);
    expect(state[SNAPSHOT.toLowerCase()]).toMatchObject({ sas: null, grants: 1, revokes: 1 });
  });

  test("a revoked SAS answers 403: one line naming it", async () => {
    server.plan.push({ kind: "status", status: 403 });
    const out = await diagnoseSnapshot(reader, { snapshotId: SNAPSHOT, rescueId: "inc-4711" });
    expect(out).toMatchObject({ diagnosed: false, requests: 0 });
    expect(out.error).toMatch(/403 \(an expired or revoked SAS\?\)/);
    expect(out.error).not.toMatch(/sig=/);
  });

  test("a revoke that fails after a good read keeps the diagnosis and names the command that ends the access", async () => {
    const failing: SnapshotAccess = {
      grantRead: reader.access.grantRead,
      revoke: async () => {
        throw Object.assign(new Error("Operation was throttled"), { statusCode: 429 });
      },
    };
    const out = await diagnoseSnapshot(
      { access: failing, open: fast },
      { snapshotId: SNAPSHOT, rescueId: "inc-4711" },
    );
    // the diagnosis stands; the access left open is a warning naming the command that ends it
    expect(out.diagnosed).toBe(true);
    expect(out.culprit).toBeDefined();
    expect(out.warning).toMatch(/revoking read access to app-vm-01-inc-4711-osdisk-backup failed/);
    expect(out.warning).toMatch(/az snapshot revoke-access --ids \/subscriptions\//);
  });

  test("the simulated cloud file reads a snapshot whose image is on this machine", async () => {
    const file = path.join(dir, "cloud.json");
    const snapshots = fresh();
    snapshots[SNAPSHOT.toLowerCase()].image = vhd;
    seedFile(file, brokenWorld(), { snapshots });
    const kind = snapshotDiagnosisKind();
    const { outs } = await kind.create(testContext({ simulatedCloud: file }), {
      snapshotId: SNAPSHOT,
      rescueId: "inc-4711",
    });
    expect(outs).toMatchObject({ diagnosed: true, culprit: { module: "amdppm.sys" } });
    expect(readSimulatedAzure(file).snapshots?.[SNAPSHOT.toLowerCase()]).toMatchObject({
      sas: null,
      grants: 1,
      revokes: 1,
    });
  });
});

describe("simulated snapshot access follows Grant Access / Revoke Access", () => {
  test("an unknown snapshot is 404 ResourceNotFound and nothing is granted", async () => {
    const state = fresh();
    const access = simulatedSnapshotAccess(state);
    const other = SNAPSHOT.replace(/backup$/, "other");
    await expect(access.grantRead(other, 3600)).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    const out = await diagnoseSnapshot(
      { access, open: fast },
      { snapshotId: other, rescueId: "inc-4711" },
    );
    expect(out).toMatchObject({ diagnosed: false, requests: 0, bytes: 0 });
    expect(out.error).toMatch(/was not found/);
    expect(state[SNAPSHOT.toLowerCase()].grants).toBe(0);
  });

  test("durationInSeconds must be a positive int32; revoke without a grant succeeds", async () => {
    const access = simulatedSnapshotAccess(fresh());
    await expect(access.grantRead(SNAPSHOT, 0)).rejects.toMatchObject({ statusCode: 400 });
    await expect(access.grantRead(SNAPSHOT, 2 ** 31)).rejects.toMatchObject({ statusCode: 400 });
    await expect(access.revoke(SNAPSHOT)).resolves.toBeUndefined();
    expect(await access.grantRead(SNAPSHOT, 3600)).toMatch(/^https:\/\/.*\?sv=.*&sig=[0-9a-f]+$/);
  });
});
