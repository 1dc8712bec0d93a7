/**
 * Every AWS step kind against its contract case, called directly on the simulated EC2: create,
 * read (the live state, after an out-of-band change), an update that repeats nothing, a replace
 * only on identity keys, secrets and deadlines, and a diff across the state's JSON round trip.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffStep, type StepKind } from "../../steps/contract";
import { AWS_STEP_KINDS } from "./kinds";
import { AWS_CONTRACT_CASES } from "./testing/contractCases";
import { simContext } from "./testing/world";
import { readState } from "./simulated";
import { STEP_TYPES } from "../../vocabulary/tokens";

/** Calls that change the cloud. */
const WRITES =
  /^(StopInstances|StartInstances|AttachVolume|DetachVolume|CreateSnapshot|CreateVolume|SendCommand|ModifyInstanceAttribute)\b/;
const writes = (file: string) => readState(file).calls.filter((c) => WRITES.test(c));

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-kinds-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const kindOf = (token: string): StepKind<any, any> =>
  AWS_STEP_KINDS.find((k) => k.token === token)!;

test("every kind has a contract case, and every case a kind", () => {
  expect(AWS_CONTRACT_CASES.map((c) => c.token).sort()).toEqual(
    AWS_STEP_KINDS.map((k) => k.token).sort(),
  );
  expect(AWS_STEP_KINDS.map((k) => k.token).sort()).toEqual(Object.values(STEP_TYPES.aws).sort());
});

describe.each(AWS_CONTRACT_CASES.map((c) => [c.token, c] as const))("%s", (_token, c) => {
  test("create, read, update without repeating the step, out-of-band change, replace on identity", async () => {
    const kind = kindOf(c.token);
    const file = path.join(dir, "cloud.json");
    const { inputs } = c.seed(file);
    expect(kind.check?.(inputs) ?? []).toEqual([]);
    const ctx = simContext(file);
    const { id, outs } = await kind.create(ctx, inputs);
    expect(id).toBeTruthy();
    for (const k of Object.keys(kind.outputs))
      if (!(kind.outputs as Record<string, { optional?: boolean }>)[k].optional)
        expect([k, outs[k]]).not.toEqual([k, undefined]);
    // read right after create: what create returned.
    expect(await kind.read(ctx, id, outs)).toEqual(outs);
    if (c.update) {
      const news = c.update(inputs);
      const d = diffStep(kind, inputs, news);
      expect(d).toMatchObject({ changes: true, replaces: [] });
      const before = writes(file);
      const updated = await kind.update(ctx, id, outs, news);
      expect(writes(file)).toEqual(before);
      for (const [k, v] of Object.entries(news)) expect([k, updated[k]]).toEqual([k, v]);
    }
    if (c.replace) {
      const d = diffStep(kind, inputs, c.replace(inputs));
      expect(d.replaces.length).toBeGreaterThan(0);
      for (const k of d.replaces) expect(kind.identityKeys).toContain(k);
    }
    if (c.outOfBand) {
      const expected = c.outOfBand(file);
      expect(await kind.read(ctx, id, outs)).toMatchObject(expected);
    }
  });
});

describe("the kinds' declarations", () => {
  test("script output and console text are secret (never in the state in plain text)", () => {
    const secret = (token: string) =>
      Object.entries(kindOf(token).outputs as Record<string, { secret?: boolean }>)
        .filter(([, p]) => p.secret)
        .map(([k]) => k)
        .sort();
    expect(secret(STEP_TYPES.aws.command)).toEqual(["evidence", "stderr", "stdout"]);
    expect(secret(STEP_TYPES.aws.bootVerification)).toEqual(["console"]);
    expect(secret(STEP_TYPES.aws.swap)).toEqual(["consoleBaseline"]);
    expect(secret(STEP_TYPES.aws.rollback)).toEqual(["consoleBaseline"]);
  });

  test("identity keys name only the thing acted on: a new helper, gate reasons or timeouts are updates", () => {
    const id = (t: string) => [...kindOf(t).identityKeys].sort();
    expect(id(STEP_TYPES.aws.swap)).toEqual(["instanceId", "rootDeviceName", "volumeId"]);
    expect(id(STEP_TYPES.aws.detach)).toEqual(["instanceId", "rootVolumeId"]);
    expect(id(STEP_TYPES.aws.command)).toEqual(["documentName", "parameters"]);
    expect(id(STEP_TYPES.aws.backupSnapshot)).toEqual(["volumeId"]);
    for (const k of AWS_STEP_KINDS) {
      expect(k.identityKeys).not.toContain("helperInstanceId");
      expect(k.identityKeys).not.toContain("gate");
      expect(k.identityKeys).not.toContain("timeoutSeconds");
    }
  });

  test("deadlines come from the latency model with the margin; the EBS snapshot gets at least an hour", () => {
    const model = JSON.parse(
      fs.readFileSync(path.join(__dirname, "../../recoveryTime/latency-model.json"), "utf8"),
    ).aws;
    const snap = kindOf(STEP_TYPES.aws.backupSnapshot).timeouts;
    expect(snap.create).toBeGreaterThanOrEqual(3600);
    expect(snap.create).toBeGreaterThanOrEqual(3 * model["ebs.snapshot.complete"]);
    const swap = kindOf(STEP_TYPES.aws.swap).timeouts;
    expect(swap.create).toBe(
      3 *
        (model["instance.stop.windows"] +
          2 * model["volume.detach"] +
          model["volume.attach"] +
          model["instance.start.windows"]),
    );
    for (const k of AWS_STEP_KINDS) {
      expect(k.timeouts.create).toBeGreaterThan(0);
      expect(k.timeouts.read).toBeGreaterThan(0);
    }
  });

  test("every input and output has a property spec with a description", () => {
    for (const k of AWS_STEP_KINDS)
      for (const p of [...Object.values(k.inputs), ...Object.values(k.outputs)])
        expect((p as { description: string }).description).toMatch(/\w/);
  });
});
