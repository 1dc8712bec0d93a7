/**
 * Start-up: `vm-rescue --help` and `vm-rescue triage` load no Pulumi module and no cloud SDK (they
 * are required when a command that needs them runs). Checked on the built CLI (`npm run build`
 * first) by what a child process has loaded; not timed (bench/cli-startup.bench.js prints times).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { EXAMPLES, REPO_ROOT } from "./helpers/paths";

const HEAVY = /node_modules\/(@pulumi\/|@aws-sdk\/|@azure\/|ajv\/)/;

/** The node_modules packages a child running `vm-rescue <args>` has loaded when it ends. */
function loadedPackages(args: string[]): { code: number | null; heavy: string[] } {
  const script = `
    process.on("exit", () => {
      const heavy = Object.keys(require.cache).filter((k) => ${HEAVY}.test(k.replace(/\\\\/g, "/")));
      require("fs").writeSync(3, JSON.stringify(heavy));
    });
    require(${JSON.stringify(path.join(REPO_ROOT, "dist/src/cli/main.js"))})
      .main(${JSON.stringify(args)}, { out() {}, err() {}, isTty: false })
      .then((code) => { process.exitCode = code; });`;
  const r = spawnSync(process.execPath, ["-e", script], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 60_000,
  });
  const fd3 = (r.output[3] as string | null) ?? "[]";
  return { code: r.status, heavy: [...new Set((JSON.parse(fd3) as string[]).map(pkg))] };
}

const pkg = (file: string) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file.replace(/\\/g, "/"))?.[1] ?? file;

test.each([
  ["--help", ["--help"]],
  ["help", []],
  ["plan --help", ["plan", "--help"]],
  ["rescue --help", ["rescue", "--help"]],
  ["triage <sample dump>", ["triage", path.join(EXAMPLES, "112926-9218-01.dmp")]],
])("vm-rescue %s loads no Pulumi module, cloud SDK or schema validator", (_name, args) => {
  const r = loadedPackages(args);
  expect(r.heavy).toEqual([]);
  expect([0, 2]).toContain(r.code);
});

test("the check shows a command that needs Pulumi loads it (so the check can fail)", () => {
  const r = loadedPackages([
    "plan",
    "--azure-vm",
    path.join(EXAMPLES, "azure-vm.json"),
    "--nic",
    path.join(EXAMPLES, "azure-nic.json"),
  ]);
  expect(r.code).toBe(0);
  expect(r.heavy).toContain("@pulumi/pulumi");
});
