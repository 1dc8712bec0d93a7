/**
 * The dirty bit from the raw `fsutil dirty query` collect ships: the text fsutil prints (and the
 * text Microsoft documents) in English; a failed run or a localized helper's text is unknown.
 */
import { planRepair } from "../../repair/plan";
import { volumeDirtyOf } from "./volumeDirty";
import { collectFromManifest } from "./fromManifest";
import { parseCollectManifest } from "../../collect/validate";
import {
  SAMPLE_TARGET,
  SYSTEM_SOURCE,
  describeIf,
  missing,
  sampleManifest,
  sampleSystemHive,
  shippedFile,
} from "./testing/evidence";

const q = (output: string, exitCode = 0) => ({ exitCode, output });

describe("volumeDirtyOf", () => {
  it.each([
    ["Volume - C: is Dirty", true],
    ["Volume - C: is NOT Dirty", false],
    ["Volume C: is dirty", true],
    ["Volume C: is not dirty", false],
    ["\r\nVolume - F: is NOT Dirty\r\n", false],
  ])("%j → %s", (text, dirty) => {
    expect(volumeDirtyOf(q(text))).toBe(dirty);
  });

  it.each([
    ["a localized helper", "Volume - C: est sale", 0],
    ["a failed run", "Error:  Access is denied.", 1],
    ["a failed run that still printed a line", "Volume - C: is Dirty", 1],
    ["two answers", "Volume - C: is Dirty\nVolume - D: is NOT Dirty", 0],
  ])("%s is unknown", (_why, text, code) => {
    expect(volumeDirtyOf(q(text, code))).toBeNull();
  });

  it("no query (collect.ps1 before 2.2, or fsutil could not run) is unknown", () => {
    expect(volumeDirtyOf(undefined)).toBeNull();
    expect(volumeDirtyOf(null)).toBeNull();
  });
});

describeIf(missing([], ["xz"]), "the dirty bit reaches the planner", () => {
  const system = sampleSystemHive();
  const manifest = (output: string) =>
    parseCollectManifest(
      sampleManifest([shippedFile("SYSTEM", SYSTEM_SOURCE, system)], {
        scriptVersion: "2.2.0",
        target: { ...SAMPLE_TARGET, bcdStore: null },
        dirtyQuery: { exitCode: 0, output },
      }),
    );
  const facts = (output: string) =>
    collectFromManifest(manifest(output), async (name) => (name === "SYSTEM" ? system : null));

  it("a dirty volume: the fact is true and the planner chooses Chkdsk", async () => {
    const f = await facts("Volume - F: is Dirty");
    expect(f.collect.volume.dirty).toBe(true);
    const plan = planRepair({ collect: f.collect, triage: [], findings: [], options: {} });
    expect(plan.plan.actions.map((a) => a.action)).toContain("Chkdsk");
  });

  it("a clean volume: the fact is false", async () => {
    expect((await facts("Volume - F: is NOT Dirty")).collect.volume.dirty).toBe(false);
  });
});
