/**
 * The stand-in `pulumi` held to what the Automation API SDK expects of the real CLI: its version
 * passes the SDK's own minimum-version check, and the SDK's LocalWorkspace and Stack, unchanged,
 * run their commands against it (stack select/init, config, plugin install, up with the gRPC event
 * stream, outputs, errors mapped to the SDK's own error classes, abort → SIGINT).
 */
import * as auto from "@pulumi/pulumi/automation";
import { standInPulumi } from "./helpers/standInPulumi";

// every stand-in call is a Node process: a run of the one-shot spawns a dozen
jest.setTimeout(120_000);

let s: ReturnType<typeof standInPulumi>;
beforeEach(() => {
  s = standInPulumi();
  s.install();
});
afterEach(() => s.cleanup());

const STEPS: [string, string][] = [
  ["azure-native:compute:Snapshot", "vm-snapshot"],
  ["vm-rescue:azure:OsDiskSwap", "vm-swap"],
];

async function workspaceStack(name: string) {
  const cmd = await auto.PulumiCommand.get({ root: s.home });
  return auto.LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: s.project },
    { pulumiCommand: cmd },
  );
}

test("`pulumi version` passes the SDK's version check, at the SDK's own version too", async () => {
  const cmd = await auto.PulumiCommand.get({ root: s.home });
  expect(cmd.version?.toString()).toBe("3.248.0");
  const sdk = require("@pulumi/pulumi/package.json").version as string;
  const semver = require("semver") as typeof import("semver");
  await expect(
    auto.PulumiCommand.get({ root: s.home, version: new semver.SemVer(sdk) }),
  ).resolves.toBeDefined();
  expect(s.commands()).toEqual(["version", "version"]);
});

test("select of a missing stack is the SDK's StackNotFoundError; createOrSelect then inits it", async () => {
  const cmd = await auto.PulumiCommand.get({ root: s.home });
  await expect(
    auto.LocalWorkspace.selectStack(
      { stackName: "nope", workDir: s.project },
      { pulumiCommand: cmd },
    ),
  ).rejects.toBeInstanceOf(auto.StackNotFoundError);
  await workspaceStack("inc-1");
  expect(s.commands().filter((c) => c !== "version")).toEqual([
    "stack select --stack nope",
    "stack select --stack inc-1",
    "stack init inc-1",
  ]);
});

test("config set-all writes Pulumi.<stack>.yaml in the project folder; getAllConfig reads it back", async () => {
  const stack = await workspaceStack("inc-1");
  await stack.setAllConfig({
    "vm-rescue:vmName": { value: "vm1" },
    "vm-rescue:x": { value: "a=b" },
  });
  expect(s.config("inc-1")).toEqual({ "vm-rescue:vmName": "vm1", "vm-rescue:x": "a=b" });
  expect(await stack.getAllConfig()).toEqual({
    "vm-rescue:vmName": { value: "vm1", secret: false },
    "vm-rescue:x": { value: "a=b", secret: false },
  });
  // every workspace command runs in the project folder (`version` runs before there is one)
  expect(
    s
      .calls()
      .filter((c) => c.argv[0] !== "version")
      .every((c) => c.cwd === s.project),
  ).toBe(true);
});

test("installPlugin runs `plugin install resource <name> <version>`; a refused download is a CommandError with the CLI's line", async () => {
  const stack = await workspaceStack("inc-1");
  await stack.workspace.installPlugin("random", "v4.21.2");
  expect(s.commands()).toContain("plugin install resource random v4.21.2");
  s.scenario({ pluginInstall: { aws: "403 Forbidden" } });
  const e = await stack.workspace.installPlugin("aws", "v7.48.0").catch((x) => x);
  expect(e).toBeInstanceOf(auto.CommandError);
  expect(e.commandResult.stderr).toContain(
    "error: [resource plugin aws-7.48.0] downloading from : 403 Forbidden",
  );
});

test("up streams the engine events over the SDK's gRPC events service and returns the outputs", async () => {
  s.scenario({ up: { steps: STEPS, outputs: { swapped: true } } });
  const stack = await workspaceStack("inc-1");
  await stack.setAllConfig({
    "vm-rescue:resourceGroup": { value: "rg" },
    "vm-rescue:vmName": { value: "vm" },
  });
  const events: auto.EngineEvent[] = [];
  const r = await stack.up({ onEvent: (e) => events.push(e) });
  expect(r.outputs).toEqual({ swapped: { value: true, secret: false } });
  expect(
    events.filter((e) => e.resOutputsEvent).map((e) => e.resOutputsEvent?.metadata.type),
  ).toEqual(STEPS.map(([t]) => t));
  expect(events[0].preludeEvent).toBeDefined();
  const up = s.calls().find((c) => c.argv[0] === "up");
  expect(up?.argv).toEqual(
    expect.arrayContaining(["--yes", "--skip-preview", "--exec-kind", "auto.local"]),
  );
  expect(up?.argv.find((a) => a.startsWith("tcp://"))).toBeDefined();
  expect(up?.argv.some((a) => a.startsWith("--client"))).toBe(false);
  expect(up?.env.PULUMI_AUTOMATION_API).toBe("true");
  expect(up?.project?.sdk).toMatch(/@pulumi[/\\]pulumi/);
});

test("a failing up: the SDK's CommandError with the CLI's stderr; a lock is the SDK's ConcurrentUpdateError", async () => {
  s.scenario({ up: { fail: { stderr: "error: quota exceeded\n" } } });
  const stack = await workspaceStack("inc-1");
  await stack.setAllConfig({
    "vm-rescue:resourceGroup": { value: "rg" },
    "vm-rescue:vmName": { value: "vm" },
  });
  const e = await stack.up({ onEvent: () => undefined }).catch((x) => x);
  expect(e).toBeInstanceOf(auto.CommandError);
  expect(e.message).toMatch(/^code: /);
  expect(e.commandResult.stderr).toContain("error: quota exceeded");
  s.stack("inc-1", { locked: true });
  const l = await stack.up({ onEvent: () => undefined }).catch((x) => x);
  expect(l).toBeInstanceOf(auto.ConcurrentUpdateError);
});

test("aborting the signal given to up sends the CLI one SIGINT; it cancels after the steps in flight", async () => {
  s.scenario({ up: { steps: STEPS, hang: true } });
  const stack = await workspaceStack("inc-1");
  await stack.setAllConfig({
    "vm-rescue:resourceGroup": { value: "rg" },
    "vm-rescue:vmName": { value: "vm" },
  });
  const controller = new AbortController();
  const events: auto.EngineEvent[] = [];
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const waiting = path.join(s.state, "up.waiting");
  const up = stack
    .up({ onEvent: (e) => events.push(e), signal: controller.signal })
    .catch((x) => x);
  while (!fs.existsSync(waiting)) await new Promise((r) => setTimeout(r, 20));
  controller.abort();
  const e = await up;
  expect(e).toBeInstanceOf(auto.CommandError);
  expect(e.commandResult.stderr).toContain("error: update canceled");
  expect(s.calls().filter((c) => c.signal)).toEqual([
    expect.objectContaining({ signal: "SIGINT" }),
  ]);
  expect(events.some((x) => x.cancelEvent)).toBe(true);
});
