/**
 * Every Azure step kind has a contract case, and each case holds when the kind is called directly:
 * create in the seeded simulated cloud, read the live state, an update that changes nothing on the
 * VM, an out-of-band change read must see, a change that replaces. Every input and output the kind
 * reports has a property spec (the plugin's schema is generated from them).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AZURE_STEP_KINDS } from "./kinds";
import { AZURE_CONTRACT_CASES } from "./testing/contractCases";
import { diffStep, type PropertySpec, type StepKind } from "../../steps/contract";
import { loadSimulatedCompute } from "./simulatedFile";
import { testContext } from "./testing/runtime";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-contract-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Calls that act on a VM (a repeated one would be a repeated step). */
const ACTIONS = /^(attachDataDisk|detachDataDisk|deallocate|setOsDisk|start) /;

test("every kind in AZURE_STEP_KINDS has exactly one contract case, and every case a kind", () => {
  const tokens = AZURE_STEP_KINDS.map((k) => k.token).sort();
  expect(AZURE_CONTRACT_CASES.map((c) => c.token).sort()).toEqual(tokens);
  expect(tokens).toEqual([
    "vm-rescue:azure:BootVerification",
    "vm-rescue:azure:CollectTriage",
    "vm-rescue:azure:DataDiskAttach",
    "vm-rescue:azure:OsDiskRollback",
    "vm-rescue:azure:OsDiskSwap",
    "vm-rescue:azure:RepairCheck",
    "vm-rescue:azure:SnapshotDiagnosis",
    "vm-rescue:azure:StandbyHelperStop",
    "vm-rescue:azure:StandbyHelperUse",
    "vm-rescue:azure:VmDeallocate",
  ]);
});

describe.each(AZURE_CONTRACT_CASES.map((c) => [c.token, c] as const))("%s", (token, c) => {
  const kind = AZURE_STEP_KINDS.find((k) => k.token === token) as StepKind<any, any>;

  test("create, read, update, out-of-band read and replace behave as the contract says", async () => {
    const file = path.join(dir, "cloud.json");
    const { inputs, config } = c.seed(file);
    const ctx = testContext({ ...config, simulatedCloud: file });
    expect(kind.check?.(inputs) ?? []).toEqual([]);

    const { id, outs } = await kind.create(ctx, inputs);
    expect(id).toEqual(expect.any(String));
    const specs: Record<string, PropertySpec> = { ...kind.inputs, ...kind.outputs };
    for (const key of Object.keys(outs))
      expect({ key, spec: !!specs[key] }).toEqual({ key, spec: true });
    for (const [key, spec] of Object.entries(kind.outputs as Record<string, PropertySpec>))
      if (!spec.optional)
        expect({ key, present: outs[key] !== undefined }).toEqual({ key, present: true });

    const read = await kind.read(ctx, id, outs);
    expect(read).toEqual(outs);

    const updated = c.update!(inputs);
    expect(diffStep(kind, inputs, updated)).toMatchObject({ changes: true, replaces: [] });
    const before = loadSimulatedCompute(file).writes().length;
    const after = await kind.update(ctx, id, read, updated);
    expect(
      loadSimulatedCompute(file)
        .writes()
        .slice(before)
        .filter((w) => ACTIONS.test(w)),
    ).toEqual([]);

    const expected = c.outOfBand!(file);
    expect(await kind.read(ctx, id, after)).toMatchObject(expected);

    const replaced = diffStep(kind, inputs, c.replace!(inputs));
    expect(replaced.replaces.length).toBeGreaterThan(0);
    await kind.delete(ctx, id, after);
  });
});
