/**
 * `vm-rescue rescue` and `rollback --via-stack` through the real Automation API code
 * (`localAutomation`) against the stand-in `pulumi`: the project folder, the stack config, the
 * plugin installs, the engine's failures as one line, a kept stack after a failed up, and
 * Ctrl-C reaching the engine as one SIGINT.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCliInProcess as run } from "./helpers/cliInProcess";
import { defaultDeps } from "../src/cli/deps";
import { localAutomation } from "../src/engine/automation";
import { memoryReader } from "../src/engine/artifacts";
import { REPO_ROOT } from "./helpers/paths";
import { standInPulumi, type StandInCall } from "./helpers/standInPulumi";

// every stand-in call is a Node process: a run of the one-shot spawns a dozen
jest.setTimeout(120_000);

let s: ReturnType<typeof standInPulumi>;
const original = { ...defaultDeps };
beforeEach(() => {
  s = standInPulumi();
  s.install();
  defaultDeps.automation = () => localAutomation({ workDir: s.project });
  defaultDeps.artifacts = () => memoryReader({});
  defaultDeps.now = () => new Date("2027-01-15T10:00:00Z");
});
afterEach(() => {
  Object.assign(defaultDeps, original);
  s.cleanup();
});

const LIVE = ["rescue", "--cloud", "azure", "--resource-group", "rg-app", "--vm", "app-vm-01"];
const STACK = "app-vm-01-rescue";
const STEPS: [string, string][] = [
  ["azure-native:compute:Snapshot", "app-vm-01-rescue-snapshot"],
  ["azure-native:compute:VirtualMachine", "app-vm-01-rescue-helper"],
  ["vm-rescue:azure:OsDiskSwap", "app-vm-01-rescue-swap"],
];
const up = (calls: StandInCall[]) => calls.filter((c) => c.argv[0] === "up");

describe("rescue against the stand-in CLI", () => {
  test("runs up in the package's project folder with the VM in the stack config, plugins installed first, then destroy", async () => {
    s.scenario({
      up: { steps: STEPS, outputs: { swapped: true, booted: true, outcome: ["booted"] } },
      destroy: { steps: [STEPS[1]] },
    });
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(0);
    const cmds = s.commands();
    const at = (prefix: string) => cmds.findIndex((c) => c.startsWith(prefix));
    expect(at("plugin install resource azure-native v3.28.0")).toBeGreaterThan(
      at("config set-all"),
    );
    expect(at("plugin install resource random v4.21.2")).toBeLessThan(at("up "));
    expect(at("destroy ")).toBeGreaterThan(at("up "));
    expect(cmds.some((c) => c.startsWith("plugin install resource aws "))).toBe(false);
    const [u] = up(s.calls());
    expect(u.cwd).toBe(s.project);
    expect(u.project).toMatchObject({
      name: "vm-rescue",
      runtime: "nodejs",
      main: "dist/index.js",
      mainExists: true,
      providers: [{ name: "vm-rescue", path: "./bin" }],
    });
    expect(u.project?.sdk).toBe(require.resolve("@pulumi/pulumi", { paths: [s.project] }));
    expect(u.config).toMatchObject({
      "vm-rescue:cloud": "azure",
      "vm-rescue:resourceGroup": "rg-app",
      "vm-rescue:vmName": "app-vm-01",
      "vm-rescue:rescueId": STACK,
    });
    expect(u.argv.some((a) => a.startsWith("--client"))).toBe(false);
    expect(JSON.parse(r.out)).toMatchObject({ status: "rescued", helperRemoved: true });
    // no temporary workspace: nothing but the project folder was used
    expect(
      new Set(
        s
          .calls()
          .filter((c) => c.argv[0] !== "version")
          .map((c) => c.cwd),
      ),
    ).toEqual(new Set([s.project]));
  });

  test("the default project folder is the package root, where Pulumi.yaml and @pulumi/pulumi are", () => {
    const a = localAutomation();
    expect(a.workDir).toBe(REPO_ROOT);
    expect(fs.existsSync(path.join(a.workDir, "Pulumi.yaml"))).toBe(true);
    expect(() => require.resolve("@pulumi/pulumi", { paths: [a.workDir] })).not.toThrow();
  });

  test.each([["--json"], []])(
    "a failing engine (%s): exit 1, its own line, no `code: 255`, no stack trace; no destroy; the stack kept",
    async (...mode) => {
      s.scenario({
        up: {
          steps: [STEPS[0]],
          keep: [{ urn: "urn:x", type: "azure-native:compute:Snapshot" }],
          fail: {
            stderr:
              "error: could not load plugin for vm-rescue provider 'default': no resource plugin 'pulumi-resource-vm-rescue' found in the workspace or on your $PATH\n",
          },
        },
      });
      const r = await run([...LIVE, "--yes", ...mode]);
      expect(r.code).toBe(1);
      const line =
        "pulumi up failed: could not load plugin for vm-rescue provider 'default': no resource plugin 'pulumi-resource-vm-rescue' found in the workspace or on your $PATH";
      if (mode[0]) expect(JSON.parse(r.out).errors[0]).toBe(line);
      else expect(r.out).toContain(line);
      expect(`${r.out}\n${r.err}`).not.toMatch(/code: -?\d+|\n\s+at |Command failed/);
      expect(s.commands().some((c) => c.startsWith("destroy"))).toBe(false);
      expect(r.err).toMatch(/stack app-vm-01-rescue is kept as the update left it/);
    },
  );

  test("a program error diagnostic: the exception's line, not the runner's header", async () => {
    s.scenario({ failCommand: {} });
    fs.writeFileSync(
      path.join(s.project, "Pulumi.yaml"),
      fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml")),
    );
    // the stack's config lacks the VM: the stand-in's program check fails as the program does
    s.stack(STACK, {});
    fs.writeFileSync(
      path.join(s.project, `Pulumi.${STACK}.yaml`),
      JSON.stringify({ config: { "vm-rescue:vmName": "" } }),
    );
    defaultDeps.automation = () => {
      const a = localAutomation({ workDir: s.project });
      return {
        ...a,
        openStack: async (n, m) => ({
          ...(await a.openStack(n, m)),
          setConfig: async () => undefined,
        }),
      };
    };
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0]).toBe(
      "pulumi up failed: SettingError: missing required configuration vm-rescue:resourceGroup (pulumi config set resourceGroup <value>)",
    );
  });

  test("a missing passphrase at stack init: exit 1 with the engine's line", async () => {
    s.scenario({
      failCommand: {
        "stack init":
          'constructing secrets manager of type "passphrase": unable to find either `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` when trying to access the Passphrase Secrets Provider',
      },
    });
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0]).toBe(
      'could not open stack app-vm-01-rescue: constructing secrets manager of type "passphrase": unable to find either `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` when trying to access the Passphrase Secrets Provider',
    );
  });

  test("a locked stack: the engine's line and one line offering cancel + refresh", async () => {
    s.stack(STACK, { locked: true });
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0]).toMatch(
      /^pulumi up failed: the stack is currently locked by 1 lock\(s\)/,
    );
    expect(r.err).toContain(
      `stack ${STACK} is locked or has pending operations: if no update runs any more, \`pulumi cancel --yes --stack ${STACK} --cwd ${s.project}\` then \`pulumi refresh --yes --clear-pending-creates --stack ${STACK} --cwd ${s.project}\``,
    );
  });

  test("a plugin download refused: fails before up, naming the plugin and how to preinstall it", async () => {
    s.scenario({ pluginInstall: { "azure-native": "403 Forbidden" } });
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0]).toBe(
      "could not prepare stack app-vm-01-rescue: could not install the azure-native plugin v3.28.0 ([resource plugin azure-native-3.28.0] downloading from : 403 Forbidden); where downloads are blocked, install it beforehand: pulumi plugin install resource azure-native v3.28.0",
    );
    expect(up(s.calls())).toEqual([]);
  });

  test("a second rescue after a failed one resumes the kept stack with the same rescue id; after a finished one, new names", async () => {
    s.scenario({
      up: {
        steps: [STEPS[0]],
        keep: [{ urn: "urn:x", type: "t" }],
        fail: { stderr: "error: boom\n" },
      },
    });
    expect((await run([...LIVE, "--yes"])).code).toBe(1);
    s.scenario({ up: { steps: STEPS, outputs: { swapped: true, booted: true } }, destroy: {} });
    const again = await run([...LIVE, "--yes"]);
    expect(again.code).toBe(0);
    expect(again.err).toContain(`stack ${STACK} holds the kept rescue ${STACK}: resuming it`);
    expect(up(s.calls())[1].config?.["vm-rescue:rescueId"]).toBe(STACK);
    expect((await run([...LIVE, "--yes"])).code).toBe(0);
    expect(up(s.calls())[2].config?.["vm-rescue:rescueId"]).toBe(`${STACK}-r2`);
  });
});

test("a choice of an earlier run (dry run, driver, rollback) is not carried over to the next", async () => {
  s.scenario({
    up: {
      steps: [STEPS[0]],
      keep: [{ urn: "urn:x", type: "t" }],
      fail: { stderr: "error: boom\n" },
    },
  });
  expect((await run([...LIVE, "--yes", "--dry-run", "--driver", "cxnetmon"])).code).toBe(1);
  // the rollback's up keeps the rescue's resources in the state
  s.scenario({ up: { steps: STEPS, outputs: { rolledBack: true } } });
  const rb = [
    "rollback",
    "--via-stack",
    "--resource-group",
    "rg-app",
    "--vm",
    "app-vm-01",
    "--yes",
  ];
  expect((await run(rb)).code).toBe(0);
  s.scenario({ up: { steps: STEPS, outputs: { swapped: true, booted: true } }, destroy: {} });
  expect((await run([...LIVE, "--yes"])).code).toBe(0);
  const [first, rollback, again] = up(s.calls());
  expect(first.config).toMatchObject({
    "vm-rescue:dryRun": "true",
    "vm-rescue:driver": "cxnetmon",
  });
  expect(rollback.config).toMatchObject({ "vm-rescue:rollback": "true" });
  for (const k of ["dryRun", "driver", "rollback"])
    expect(again.config).not.toHaveProperty(`vm-rescue:${k}`);
  expect(again.config).toMatchObject({
    "vm-rescue:rescueId": STACK,
    "vm-rescue:vmName": "app-vm-01",
  });
});

describe("rollback --via-stack against the stand-in CLI", () => {
  test("after a failed rescue: up in the same project with the rescue's config, the VM and rollback=true", async () => {
    s.scenario({
      up: {
        steps: [STEPS[0]],
        keep: [{ urn: "urn:x", type: "t" }],
        fail: { stderr: "error: boom\n" },
      },
    });
    expect((await run([...LIVE, "--yes", "--driver", "cxnetmon"])).code).toBe(1);
    s.scenario({ up: { outputs: { rolledBack: true, outcome: ["original disk back"] } } });
    const r = await run([
      "rollback",
      "--via-stack",
      "--resource-group",
      "rg-app",
      "--vm",
      "app-vm-01",
      "--yes",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Rolled back VM rg-app\/app-vm-01: the original OS disk is back/);
    const u = up(s.calls())[1];
    expect(u.cwd).toBe(s.project);
    expect(u.project?.sdk).toBeTruthy();
    expect(u.config).toMatchObject({
      "vm-rescue:resourceGroup": "rg-app",
      "vm-rescue:vmName": "app-vm-01",
      "vm-rescue:driver": "cxnetmon",
      "vm-rescue:rescueId": STACK,
      "vm-rescue:rollback": "true",
    });
  });

  test("a stack the workspace has no config for still names the VM", async () => {
    s.stack(STACK, { resources: [{ urn: "urn:x", type: "t" }] });
    s.scenario({ up: { outputs: { rolledBack: true } } });
    const r = await run([
      "rollback",
      "--via-stack",
      "--resource-group",
      "rg-app",
      "--vm",
      "app-vm-01",
      "--yes",
    ]);
    expect(r.code).toBe(0);
    expect(up(s.calls())[0].config).toMatchObject({
      "vm-rescue:resourceGroup": "rg-app",
      "vm-rescue:vmName": "app-vm-01",
    });
  });

  test("a failing engine: exit 1, one line", async () => {
    s.stack(STACK, { resources: [{ urn: "urn:x", type: "t" }] });
    s.scenario({ up: { fail: { stderr: "error: VolumeInUse: vol-1\n" } } });
    const r = await run([
      "rollback",
      "--via-stack",
      "--resource-group",
      "rg-app",
      "--vm",
      "app-vm-01",
      "--yes",
    ]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split("\n").pop()).toBe(
      `vm-rescue: rollback on stack ${STACK} failed: VolumeInUse: vol-1`,
    );
  });
});

test("Ctrl-C (SIGINT) of the rescue process reaches the engine as one SIGINT: it cancels, nothing is destroyed, exit 1", async () => {
  s.scenario({ up: { steps: [STEPS[0]], hang: true, cancelMs: 1500 } });
  const script = `
    const deps = require(${JSON.stringify(path.join(REPO_ROOT, "dist/src/cli/deps.js"))});
    const { localAutomation } = require(${JSON.stringify(path.join(REPO_ROOT, "dist/src/engine/automation.js"))});
    deps.defaultDeps.automation = () => localAutomation({ workDir: ${JSON.stringify(s.project)} });
    require(${JSON.stringify(path.join(REPO_ROOT, "dist/src/cli/main.js"))})
      .main(process.argv.slice(1)).then((code) => { process.exitCode = code; });`;
  const child = spawn(process.execPath, ["-e", script, ...LIVE, "--yes", "--json"], {
    env: { ...process.env, ...s.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const waiting = path.join(s.state, "up.waiting");
  const deadline = Date.now() + 90_000;
  while (!fs.existsSync(waiting) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const closed = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
  child.kill("SIGINT");
  await new Promise((r) => setTimeout(r, 300));
  child.kill("SIGINT");
  const code = await closed;
  expect(code).toBe(1);
  const signals = s.calls().filter((c) => c.signal);
  expect(signals).toHaveLength(1);
  expect(signals[0].pid).toBe(up(s.calls())[0].pid);
  expect(err).toMatch(
    /^SIGINT: stopping the rescue on stack app-vm-01-rescue after the steps in flight/m,
  );
  expect(err).toMatch(/^SIGINT again: still stopping/m);
  expect(err).not.toMatch(/\n\s+at /);
  expect(JSON.parse(out).errors[0]).toBe("pulumi up failed: update canceled");
  expect(s.commands().some((c) => c.startsWith("destroy"))).toBe(false);
}, 120_000);
