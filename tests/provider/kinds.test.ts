/**
 * Every step kind of both clouds through the plugin's gRPC server, as the engine drives it, in the
 * simulated cloud its contract case seeds: Check, Create, Read (also after an out-of-band change),
 * Diff (update vs replace), Update (repeats nothing) and Delete. A kind without a case fails here.
 * One plugin process serves every kind (its start is the slow part), configured anew for each
 * kind's simulated cloud. Needs `npm run build`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { reveal } from "../../src/provider/values";
import { AZURE_STEP_KINDS } from "../../src/clouds/azure/kinds";
import { AWS_STEP_KINDS } from "../../src/clouds/aws/kinds";
import { AZURE_CONTRACT_CASES } from "../../src/clouds/azure/testing/contractCases";
import { AWS_CONTRACT_CASES } from "../../src/clouds/aws/testing/contractCases";
import {
  configArgs,
  configure,
  fakeEngine,
  REPO_ROOT,
  resourceCalls,
  startPlugin,
  tmpDir,
  type Plugin,
  type Props,
} from "./harness";

const KINDS = [...AZURE_STEP_KINDS, ...AWS_STEP_KINDS];
const CASES = [...AZURE_CONTRACT_CASES, ...AWS_CONTRACT_CASES];

test("every step kind of both clouds has a contract case, and every case a kind", () => {
  expect(CASES.map((c) => c.token).sort()).toEqual(KINDS.map((k) => k.token).sort());
});

const describeCases =
  CASES.length > 0
    ? describe.each(CASES.map((c) => [c.token, c] as const))
    : describe.skip.each([["(no kinds yet)", undefined]]);

/** The plugin every kind's tests share, started by the first of them. */
let served: Promise<{ plugin: Plugin; engine: Awaited<ReturnType<typeof fakeEngine>> }> | undefined;
const home = tmpDir("vm-rescue-kinds-");
function servedPlugin() {
  served ??= fakeEngine().then(async (engine) => ({
    engine,
    plugin: await startPlugin(
      path.join(REPO_ROOT, "bin/pulumi-resource-vm-rescue"),
      engine.address,
      home,
    ),
  }));
  return served;
}
afterAll(async () => {
  if (served) {
    const { plugin, engine } = await served;
    plugin.stop();
    engine.stop();
  }
  fs.rmSync(home, { recursive: true, force: true });
});

describeCases("%s through the plugin", (_token, c) => {
  let dir: string;
  let plugin: Plugin;
  let inputs: Props;
  const file = () => path.join(dir, "cloud.json");
  const calls = () => resourceCalls(plugin.client, c!.token, "step");

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(home, "kind-"));
    ({ plugin } = await servedPlugin());
    const seeded = c!.seed(file());
    inputs = seeded.inputs;
    await configure(plugin.client, configArgs(seeded.config, file()));
  }, 30000);

  test("check, create, read, diff, update and delete keep the contract", async () => {
    const checked = await calls().check(inputs);
    expect(checked.getFailuresList().map((f) => f.getReason())).toEqual([]);
    const created = await calls().create(inputs);
    expect(created.id).not.toBe("");
    const read = await calls().read(created.id, created.props, inputs);
    expect(read.id).toBe(created.id);
    let state = read.props;
    expect((await calls().diff(created.id, state, inputs)).getChanges()).toBe(
      provproto.DiffResponse.DiffChanges.DIFF_NONE,
    );
    if (c!.update) {
      const news = c!.update(inputs);
      const d = await calls().diff(created.id, state, news);
      expect(d.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
      expect(d.getReplacesList()).toEqual([]);
      const changes = () => (c!.changesIn ? c!.changesIn(file()) : fs.readFileSync(file(), "utf8"));
      const before = changes();
      state = await calls().update(created.id, state, news);
      // An update acts on nothing: the simulated cloud has no change it did not have.
      expect(changes()).toEqual(before);
    }
    // After the update: an update following an out-of-band change converges (acts again).
    if (c!.outOfBand) {
      const expected = c!.outOfBand(file());
      const after = await calls().read(created.id, state, inputs);
      // The case names plain values; the plugin sends secret outputs wrapped as secrets.
      expect(reveal(after.props)).toMatchObject(expected);
      state = after.props;
    }
    if (c!.replace) {
      const d = await calls().diff(created.id, state, c!.replace(inputs));
      expect(d.getReplacesList().length).toBeGreaterThan(0);
    }
    await calls().delete(created.id, state);
  });
});
