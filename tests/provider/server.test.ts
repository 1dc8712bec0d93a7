/**
 * The plugin's gRPC server, driven as the engine drives it, with a test kind over a small simulated
 * cloud: configuration (secret credentials, simulatedCloud), check, diff, create, read after an
 * out-of-band change, update, cancel, deadlines and delete. Needs `npm run build`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import {
  configure,
  fakeEngine,
  REPO_ROOT,
  resourceCalls,
  rpc,
  secretValue,
  SECRET_KEY,
  startPlugin,
  testKindEntry,
  tmpDir,
  UNKNOWN,
  type Plugin,
  type Props,
} from "./harness";
import { readCloud, TEST_KIND_TOKEN, writeCloud } from "../../src/provider/testing/testKind";

let dir: string;
let cloudFile: string;
let plugin: Plugin;
let engine: Awaited<ReturnType<typeof fakeEngine>>;

beforeAll(async () => {
  dir = tmpDir("vm-rescue-plugin-");
  cloudFile = path.join(dir, "cloud.json");
  writeCloud(cloudFile, { vms: { "app-vm-01": { osDisk: "disk-original" } }, actions: [] });
  engine = await fakeEngine();
  // The engine starts a plugin in the program's folder, not the package's.
  plugin = await startPlugin(testKindEntry(REPO_ROOT, dir), engine.address, dir);
  const res = await configure(plugin.client, {
    azure: { clientId: "app-123", clientSecret: secretValue("s3cr3t") },
    simulatedCloud: cloudFile,
  });
  expect(res.getAcceptsecrets()).toBe(true);
}, 30000);

afterAll(() => {
  plugin?.stop();
  engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const swap = () => resourceCalls(plugin.client, TEST_KIND_TOKEN, "swap");
const inputs = { vmName: "app-vm-01", repairDiskId: "disk-copy", note: "inc-4711" };

test("GetPluginInfo reports the package's version", async () => {
  const res = await rpc<Empty, { getVersion(): string }>(
    plugin.client,
    "getPluginInfo",
    new Empty(),
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
  expect(res.getVersion()).toBe(pkg.version);
});

test("Configure rejects a setting the provider does not have, naming it", async () => {
  const other = await startPlugin(testKindEntry(REPO_ROOT, dir), engine.address, dir);
  try {
    await expect(configure(other.client, { azure: { clientSecrt: "x" } })).rejects.toThrow(
      /vm-rescue:azure.clientSecrt is not a setting/,
    );
  } finally {
    other.stop();
  }
});

test("Check names the failing property; unknown values are not judged", async () => {
  const bad = await swap().check({ vmName: "app vm", repairDiskId: 5 });
  const failures = bad.getFailuresList().map((f) => [f.getProperty(), f.getReason()]);
  expect(failures).toEqual([["repairDiskId", "repairDiskId must be a string"]]);
  const kindRule = await swap().check({ vmName: "app vm", repairDiskId: "d" });
  expect(kindRule.getFailuresList().map((f) => f.getProperty())).toEqual(["vmName"]);
  const missing = await swap().check({ vmName: "a" });
  expect(missing.getFailuresList().map((f) => f.getReason())).toEqual(["repairDiskId is required"]);
  const preview = await swap().check({ vmName: UNKNOWN, repairDiskId: "d" });
  expect(preview.getFailuresList()).toEqual([]);
  expect(preview.getInputs()!.toJavaScript()).toEqual({ vmName: UNKNOWN, repairDiskId: "d" });
});

describe("a step's life", () => {
  let id: string;
  let state: Props;
  beforeAll(async () => {
    ({ id, props: state } = await swap().create({ ...inputs, note: secretValue("inc-4711") }, 120));
  });

  test("Create runs the step once with the stack's credentials and the request's deadline", async () => {
    expect(id).toBe("app-vm-01/swap");
    expect(state).toMatchObject({
      originalDiskId: "disk-original",
      osDiskId: "disk-copy",
      swapped: true,
    });
    expect(state.runsAs).toBe("app-123+secret");
    // The request's timeout (the resource's customTimeouts), not the kind's 30 s.
    expect(state.secondsToDeadline).toBeGreaterThan(100);
    expect(readCloud(cloudFile).actions).toEqual(["swap app-vm-01"]);
    for (let i = 0; i < 50 && engine.logs.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(engine.logs).toContain(`${swap().urn} swapped app-vm-01 to disk-copy`);
  });

  test("secret outputs and secret inputs stay secret in the state", () => {
    expect(state.serialLog).toEqual(secretValue("boot ok on disk-copy"));
    expect(state.note).toEqual(secretValue("inc-4711"));
    expect(JSON.stringify(state)).not.toContain(REPO_ROOT);
  });

  test("Read after an out-of-band swap-back reports the live disk; Diff then re-runs nothing", async () => {
    const cloud = readCloud(cloudFile);
    cloud.vms["app-vm-01"].osDisk = "disk-original";
    writeCloud(cloudFile, cloud);
    const read = await swap().read(id, state, inputs);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ osDiskId: "disk-original", swapped: false });
    expect(read.inputs).toEqual(inputs);
    const same = await swap().diff(id, read.props, inputs);
    expect(same.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
    const note = await swap().diff(id, read.props, { ...inputs, note: "inc-4712" });
    expect(note.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
    expect(note.getReplacesList()).toEqual([]);
    state = read.props;
  });

  test("Diff replaces only on identity keys, also when the new value is unknown", async () => {
    const disk = await swap().diff(id, state, { ...inputs, repairDiskId: "disk-copy-2" });
    expect(disk.getReplacesList()).toEqual(["repairDiskId"]);
    expect(disk.getDeletebeforereplace()).toBe(false);
    const unknown = await swap().diff(id, state, { ...inputs, vmName: UNKNOWN });
    expect(unknown.getReplacesList()).toEqual(["vmName"]);
    const secretOnly = await swap().diff(id, state, { ...inputs, note: secretValue(state.note) });
    expect(secretOnly.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
  });

  test("Update of a non-identity input repeats nothing on the VM", async () => {
    const before = readCloud(cloudFile).actions.length;
    const outs = await swap().update(id, state, { ...inputs, note: "inc-4712" }, 60);
    expect(outs).toMatchObject({ note: "inc-4712", originalDiskId: "disk-original" });
    expect(outs.serialLog).toHaveProperty(SECRET_KEY);
    expect(readCloud(cloudFile).actions.length).toBe(before);
  });

  test("Read without recorded inputs (an import) takes them from the state", async () => {
    const read = await swap().read(id, state, {});
    expect(read.inputs).toEqual({ ...inputs, note: state.note });
  });

  test("Read of a VM that is gone returns no id", async () => {
    const cloud = readCloud(cloudFile);
    cloud.vms.gone = { osDisk: "x" };
    writeCloud(cloudFile, cloud);
    const g = resourceCalls(plugin.client, TEST_KIND_TOKEN, "gone");
    const created = await g.create({ vmName: "gone", repairDiskId: "y" });
    // No timeout in the request: the kind's own deadline (30 s for a create).
    expect(created.props.secondsToDeadline).toBeGreaterThan(25);
    expect(created.props.secondsToDeadline).toBeLessThanOrEqual(30);
    const c2 = readCloud(cloudFile);
    delete c2.vms.gone;
    writeCloud(cloudFile, c2);
    expect(
      (await g.read(created.id, created.props, { vmName: "gone", repairDiskId: "y" })).id,
    ).toBe("");
  });

  test("Delete forgets the step and touches no disk", async () => {
    await swap().delete(id, state);
    const cloud = readCloud(cloudFile);
    expect(cloud.actions.at(-1)).toBe("forget app-vm-01");
    expect(cloud.vms["app-vm-01"].osDisk).toBe("disk-original");
  });
});

test("Cancel aborts a call in flight", async () => {
  const slow = resourceCalls(plugin.client, TEST_KIND_TOKEN, "slow");
  const started = Date.now();
  const actions = readCloud(cloudFile).actions.length;
  const pending = slow.create({ vmName: "app-vm-01", repairDiskId: "disk-x", delayMs: 20000 }).then(
    () => new Error("not cancelled"),
    (e: Error) => e,
  );
  await new Promise((r) => setTimeout(r, 300));
  await rpc(plugin.client, "cancel", new Empty());
  expect((await pending).message).toMatch(/the update was cancelled/);
  expect(Date.now() - started).toBeLessThan(5000);
  await new Promise((r) => setTimeout(r, 200));
  expect(readCloud(cloudFile).actions.length).toBe(actions);
});

test("a call that outlives the request's timeout fails with one clear line", async () => {
  const slow = resourceCalls(plugin.client, TEST_KIND_TOKEN, "slow2");
  await expect(
    slow.create({ vmName: "app-vm-01", repairDiskId: "disk-y", delayMs: 20000 }, 1),
  ).rejects.toThrow(/vm-rescue:test:DiskSwap create timed out after 1 s/);
});

test("an unknown resource type is refused with the plugin's version", async () => {
  await expect(
    resourceCalls(plugin.client, "vm-rescue:azure:Nope", "x").create({}),
  ).rejects.toThrow(/has no resource type vm-rescue:azure:Nope/);
});
