/**
 * The fake Automation API the CLI tests use, held to the real one: the same script of calls runs
 * against the fake and against `localAutomation` over the stand-in `pulumi`, and both answer alike
 * (config round trip, resources kept after a failed up and gone after destroy, failures as
 * EngineError with the engine's line and kind, the signal handed to up).
 */
import { Automation, EngineError, localAutomation } from "../src/engine/automation";
import { fakeStackAutomation } from "./helpers/fakeAutomation";
import { standInPulumi } from "./helpers/standInPulumi";

async function script(a: Automation) {
  const seen: unknown[] = [];
  await a.findCli();
  const stack = await a.openStack("inc-1", false);
  seen.push(await stack.config(), await stack.hasResources());
  await stack.setConfig({
    cloud: "azure",
    resourceGroup: "rg",
    vmName: "vm",
    "azure-native:subscriptionId": "0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10",
    "aws:allowedAccountIds[0]": "123456789012",
  });
  seen.push(await stack.config());
  await stack.installPlugins([{ name: "random", version: "4.21.2" }]);
  const e = await stack.up({ onEvent: () => undefined }).catch((x) => x);
  seen.push(e instanceof EngineError, (e as EngineError).message, (e as EngineError).kind);
  seen.push(await stack.hasResources());
  return seen;
}

test("the fake and the real interface over the stand-in answer the same script alike", async () => {
  const s = standInPulumi();
  s.install();
  try {
    s.scenario({
      up: { keep: [{ urn: "urn:x", type: "t" }], fail: { stderr: "error: quota exceeded\n" } },
    });
    const real = await script(localAutomation({ workDir: s.project }));
    const fake = await script(fakeStackAutomation({}, { upError: "quota exceeded" }).automation);
    expect(fake).toEqual(real);
    expect(real).toEqual([
      {},
      false,
      { cloud: "azure", resourceGroup: "rg", vmName: "vm" },
      true,
      "quota exceeded",
      "failed",
      true,
    ]);
    // the cloud providers' own settings are written as they are, a list element by its path
    expect(s.config("inc-1")).toEqual({
      "vm-rescue:cloud": "azure",
      "vm-rescue:resourceGroup": "rg",
      "vm-rescue:vmName": "vm",
      "azure-native:subscriptionId": "0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10",
      "aws:allowedAccountIds[0]": "123456789012",
    });
    const sets = s
      .calls()
      .map((c) => c.argv)
      .filter((a) => a[0] === "config" && a[1] === "set-all");
    expect(sets.map((a) => [a.includes("--path"), a.filter((x) => x.includes("="))])).toEqual([
      [
        false,
        [
          "vm-rescue:cloud=azure",
          "vm-rescue:resourceGroup=rg",
          "vm-rescue:vmName=vm",
          "azure-native:subscriptionId=0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10",
        ],
      ],
      [true, ["aws:allowedAccountIds[0]=123456789012"]],
    ]);
    // destroy empties the state in both
    const a = await localAutomation({ workDir: s.project }).openStack("inc-1", true);
    await a.destroy({ onEvent: () => undefined });
    const f = fakeStackAutomation({}, { kept: true });
    const fs = await f.automation.openStack("inc-1", true);
    await fs.destroy({ onEvent: () => undefined });
    expect([await a.hasResources(), await fs.hasResources()]).toEqual([false, false]);
  } finally {
    s.cleanup();
  }
}, 120_000);
