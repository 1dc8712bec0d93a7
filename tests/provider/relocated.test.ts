/**
 * Finding 3: the state of a step names only the package and its inputs/outputs, so a destroy or
 * refresh from another checkout, machine or CI runner works. The built package (dist, bin,
 * package.json, node_modules) is copied to another folder; steps created by this checkout are read,
 * updated and deleted by the copy, which is started from a third folder as the engine would.
 * Needs `npm run build`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { AZURE_CONTRACT_CASES } from "../../src/clouds/azure/testing/contractCases";
import { AWS_CONTRACT_CASES } from "../../src/clouds/aws/testing/contractCases";
import { readCloud, TEST_KIND_TOKEN, writeCloud } from "../../src/provider/testing/testKind";
import {
  configArgs,
  configure,
  fakeEngine,
  REPO_ROOT,
  resourceCalls,
  rpc,
  startPlugin,
  testKindEntry,
  tmpDir,
  type Plugin,
} from "./harness";

let base: string;
let copy: string;
let elsewhere: string;
let engine: Awaited<ReturnType<typeof fakeEngine>>;
const started: Plugin[] = [];

beforeAll(async () => {
  base = tmpDir("vm-rescue-moved-");
  copy = path.join(base, "other-checkout", "vm-rescue");
  elsewhere = path.join(base, "ci-runner", "project");
  fs.mkdirSync(elsewhere, { recursive: true });
  fs.mkdirSync(copy, { recursive: true });
  for (const entry of ["dist", "bin", "package.json"]) {
    fs.cpSync(path.join(REPO_ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(
    fs.realpathSync(path.join(REPO_ROOT, "node_modules")),
    path.join(copy, "node_modules"),
  );
  engine = await fakeEngine();
}, 60000);

afterAll(() => {
  for (const p of started) p.stop();
  engine?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

async function start(command: string): Promise<Plugin> {
  const p = await startPlugin(command, engine.address, elsewhere);
  started.push(p);
  return p;
}

test("the moved plugin serves the same schema and version from any folder", async () => {
  const moved = await start(path.join(copy, "bin/pulumi-resource-vm-rescue"));
  const req = new provproto.GetSchemaRequest();
  const res = await rpc<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(
    moved.client,
    "getSchema",
    req,
  );
  expect(res.getSchema()).toBe(fs.readFileSync(path.join(REPO_ROOT, "bin/schema.json"), "utf8"));
  const info = await rpc<Empty, { getVersion(): string }>(
    moved.client,
    "getPluginInfo",
    new Empty(),
  );
  expect(info.getVersion()).toBe(
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version,
  );
});

test("a step created by this checkout is read, updated and deleted by the moved one", async () => {
  const file = path.join(base, "cloud.json");
  writeCloud(file, { vms: { vm1: { osDisk: "d0" } }, actions: [] });
  const here = await start(testKindEntry(REPO_ROOT, fs.mkdtempSync(path.join(base, "here-"))));
  await configure(here.client, { simulatedCloud: file });
  const inputs = { vmName: "vm1", repairDiskId: "d1" };
  const created = await resourceCalls(here.client, TEST_KIND_TOKEN, "s").create(inputs);
  expect(JSON.stringify(created.props)).not.toContain(REPO_ROOT);
  here.stop();

  const moved = await start(testKindEntry(copy, fs.mkdtempSync(path.join(base, "there-"))));
  await configure(moved.client, { simulatedCloud: file });
  const calls = resourceCalls(moved.client, TEST_KIND_TOKEN, "s");
  const read = await calls.read(created.id, created.props, inputs);
  expect(read.props).toMatchObject({ osDiskId: "d1", swapped: true });
  const updated = await calls.update(created.id, read.props, { ...inputs, note: "moved" });
  expect(updated).toMatchObject({ note: "moved", originalDiskId: "d0" });
  await calls.delete(created.id, updated);
  expect(readCloud(file).actions).toEqual(["swap vm1", "forget vm1"]);
});

const CASES = [...AZURE_CONTRACT_CASES, ...AWS_CONTRACT_CASES];
const eachCase =
  CASES.length > 0
    ? test.each(CASES.map((c) => [c.token, c] as const))
    : test.skip.each([["(no kinds yet)", undefined]]);

/** This checkout's plugin and the moved one, shared by the cases (their start is the slow part). */
let pair: Promise<{ here: Plugin; moved: Plugin }> | undefined;
const plugins = () =>
  (pair ??= (async () => ({
    here: await start(path.join(REPO_ROOT, "bin/pulumi-resource-vm-rescue")),
    moved: await start(path.join(copy, "bin/pulumi-resource-vm-rescue")),
  }))());

eachCase("%s: read, update and delete from the moved package", async (_t, c) => {
  const dir = fs.mkdtempSync(path.join(base, "case-"));
  const file = path.join(dir, "cloud.json");
  const seeded = c!.seed(file);
  const { here, moved } = await plugins();
  await configure(here.client, configArgs(seeded.config, file));
  const created = await resourceCalls(here.client, c!.token, "step").create(seeded.inputs);
  // Only inputs and outputs: no path of this checkout.
  expect(JSON.stringify(created.props)).not.toContain(REPO_ROOT);
  await configure(moved.client, configArgs(seeded.config, file));
  const calls = resourceCalls(moved.client, c!.token, "step");
  const read = await calls.read(created.id, created.props, seeded.inputs);
  expect(read.id).toBe(created.id);
  const news = c!.update ? c!.update(seeded.inputs) : seeded.inputs;
  const updated = await calls.update(created.id, read.props, news);
  await calls.delete(created.id, updated);
});
