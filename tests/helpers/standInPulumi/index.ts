/**
 * Puts the stand-in `pulumi` (the executable beside this file) where the Automation API looks for
 * the CLI — `$PULUMI_HOME/bin/pulumi` — with a fresh state folder, and a project folder laid out as
 * the installed package is (Pulumi.yaml, package.json, dist/, bin/ and node_modules/ of this
 * repository), so stack config files land there and not in the checkout.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../paths";

/** What one operation (up, destroy, refresh) of the stand-in does. */
export interface OperationPlan {
  /** [type, name] of the resources it creates (deletes on destroy), one pre/outputs event each. */
  steps?: [string, string][];
  stepMs?: number;
  /** Stack outputs after a successful up. */
  outputs?: Record<string, unknown>;
  /** Wait after the steps until SIGINT (then cancel as the CLI does). */
  hang?: boolean;
  /** How long the cancel takes after the SIGINT (the steps in flight finishing). */
  cancelMs?: number;
  /** Fail: an error diagnostic in the event stream and/or stderr/stdout text, exit code. */
  fail?: { diagnostic?: string; urn?: string; stderr?: string; stdout?: string; code?: number };
  /** Resources left in the state after a failed up. */
  keep?: { urn: string; type: string }[];
}

export interface Scenario {
  up?: OperationPlan;
  destroy?: OperationPlan;
  refresh?: OperationPlan;
  /** A command (argv prefix, e.g. "stack init") → the `error:` line it fails with. */
  failCommand?: Record<string, string>;
  /** Plugin name → the download error `pulumi plugin install` fails with. */
  pluginInstall?: Record<string, string>;
}

/** One recorded invocation of the stand-in. */
export interface StandInCall {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  pid: number;
  signal?: string;
  config?: Record<string, string>;
  project?: {
    file: string | null;
    name?: string;
    runtime?: string;
    main?: string;
    mainExists?: boolean;
    sdk?: string | null;
    providers?: { name: string; path: string; binary: string }[];
  };
}

export const STAND_IN = path.join(__dirname, "pulumi");

export function standInPulumi() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-standin-"));
  const home = path.join(root, "home");
  const state = path.join(root, "state");
  const project = path.join(root, "package");
  fs.mkdirSync(path.join(home, "bin"), { recursive: true });
  fs.mkdirSync(state);
  fs.mkdirSync(project);
  fs.symlinkSync(STAND_IN, path.join(home, "bin", "pulumi"));
  for (const f of ["Pulumi.yaml", "package.json"])
    fs.copyFileSync(path.join(REPO_ROOT, f), path.join(project, f));
  for (const d of ["node_modules", "dist", "bin"])
    fs.symlinkSync(path.join(REPO_ROOT, d), path.join(project, d));
  const env = { PULUMI_HOME: home, PULUMI_STANDIN_DIR: state, PULUMI_SKIP_UPDATE_CHECK: "true" };
  const saved: Record<string, string | undefined> = {};
  return {
    root,
    home,
    state,
    project,
    env,
    scenario(s: Scenario) {
      fs.writeFileSync(path.join(state, "scenario.json"), JSON.stringify(s));
    },
    /** A stack in the backend, as an earlier run left it. */
    stack(name: string, s: { resources?: { urn: string; type: string }[]; locked?: boolean }) {
      fs.mkdirSync(path.join(state, "stacks"), { recursive: true });
      fs.writeFileSync(
        path.join(state, "stacks", `${name}.json`),
        JSON.stringify({ resources: [], outputs: {}, ...s }),
      );
    },
    /** The stack's config file in the project folder (Pulumi.<stack>.yaml). */
    config(name: string): Record<string, string> {
      const f = path.join(project, `Pulumi.${name}.yaml`);
      return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")).config : {};
    },
    calls(): StandInCall[] {
      const f = path.join(state, "calls.jsonl");
      return fs.existsSync(f)
        ? fs
            .readFileSync(f, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as StandInCall)
        : [];
    },
    /** The commands run, argv joined, without the flags every command gets. */
    commands(): string[] {
      return this.calls().map((c) => c.argv.filter((a) => a !== "--non-interactive").join(" "));
    },
    /** Sets the environment of this process (the SDK passes it on to the CLI). */
    install() {
      for (const [k, v] of Object.entries(env)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
    },
    cleanup() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
