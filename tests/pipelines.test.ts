/**
 * The pipeline examples: parsed as YAML, every vm-rescue command they call checked against the
 * CLI's own commander definitions (command, flags, arguments), and the sharded matrix covering
 * 1..N exactly once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/main";
import { EXAMPLES } from "./helpers/paths";

const DIR = path.join(EXAMPLES, "pipelines");
const program = buildProgram({ out: () => {}, err: () => {}, isTty: false }, () => {});

function load(file: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Record<string, unknown>;
}

/** Every string under a `run`, `script` or `inlineScript` key. */
function scripts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => scripts(n, out));
  else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      if (["run", "script", "inlineScript"].includes(k) && typeof v === "string") out.push(v);
      else scripts(v, out);
    }
  return out;
}

/** A call of the CLI: from the checkout, or through npx without a registry fetch. */
const CALL = /(?:\bnode\s+bin\/vm-rescue\.js|\bnpx\s+--no-install\s+vm-rescue|\bvm-rescue)\s/;

/** The vm-rescue invocations of a script, as raw argument lists (line continuations joined). */
function invocations(script: string): string[][] {
  return (
    script
      .replace(/\\\n/g, " ")
      // a pipeline expression that yields a flag or nothing: the flag
      .replace(/\$\{\{[^}]*'(--[a-z-]+)'[^}]*\}\}/g, "$1")
      // other expressions and macros: {name}
      .replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, "{$1}")
      .replace(/\$\(([^)]*)\)/g, "{$1}")
      .split(/\n|&&|;/)
      .filter((line) => CALL.test(line))
      .map((line) =>
        line
          .slice(line.search(CALL))
          .replace(CALL, "")
          .trim()
          .split(/\s+/)
          .map((t) => t.replace(/^"|"$/g, "")),
      )
  );
}

/** Checks one invocation against the CLI's definitions; returns the command path. */
function check(args: string[]): string {
  let cmd: Command = program;
  let i = 0;
  for (;;) {
    const sub = cmd.commands.find((c) => c.name() === args[i]);
    if (!sub) break;
    cmd = sub;
    i++;
  }
  const where = `vm-rescue ${args.slice(0, i).join(" ")}`;
  expect(cmd).not.toBe(program);
  const positionals: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const option = cmd.options.find((o) => o.long === a);
    if (!option) throw new Error(`${where} has no option ${a}`);
    if (option.required || option.optional) {
      expect(args[i + 1]).toBeDefined();
      i++;
    }
  }
  const declared = cmd.registeredArguments;
  const variadic = declared.some((d) => d.variadic);
  if (!variadic && positionals.length > declared.length)
    throw new Error(`${where} takes ${declared.length} arguments, given ${positionals.join(" ")}`);
  const required = declared.filter((d) => d.required).length;
  expect(positionals.length).toBeGreaterThanOrEqual(required);
  return where.trim();
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("GitHub Actions example", () => {
  const wf = load("github-actions.yml") as {
    permissions: Record<string, string>;
    jobs: Record<
      string,
      { strategy?: { matrix: { shard: number[] } }; steps: { uses?: string }[] }
    >;
  };
  const calls = scripts(wf).flatMap(invocations);

  test("every vm-rescue command it calls exists with those flags", () => {
    expect(calls.map(check).sort()).toEqual(["vm-rescue fleet", "vm-rescue fleet merge"]);
  });

  test("the matrix shards cover 1..N once and the merge joins all N", () => {
    const shards = wf.jobs.rescue.strategy!.matrix.shard;
    expect(shards).toEqual(range(shards.length));
    const fleet = calls.find((c) => c[0] === "fleet" && c[1] !== "merge")!;
    expect(fleet[fleet.indexOf("--shard") + 1]).toBe(`{matrix.shard}/${shards.length}`);
    const merge = calls.find((c) => c[1] === "merge")!;
    expect(merge.filter((a) => a.endsWith(".json") && !a.startsWith("--")).slice(0, -1)).toEqual(
      range(shards.length).map((k) => `fleet-report-${k}.json`),
    );
  });

  test("uses OIDC for both clouds, and keeps the report as an artifact and a summary", () => {
    expect(wf.permissions["id-token"]).toBe("write");
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses ?? ""));
    expect(uses).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^azure\/login@/),
        expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
        expect.stringMatching(/^actions\/upload-artifact@/),
        expect.stringMatching(/^pulumi\/actions@/),
      ]),
    );
    expect(scripts(wf).join("\n")).toContain("GITHUB_STEP_SUMMARY");
  });

  test("the fleet state is saved also when the job fails, and restored before the rescue", () => {
    const steps = wf.jobs.rescue.steps as {
      uses?: string;
      if?: string;
      run?: string;
      with?: Record<string, string>;
    }[];
    // actions/cache saves only after a successful job: the runs that need resuming never would.
    expect(steps.filter((s) => /^actions\/cache@/.test(s.uses ?? ""))).toEqual([]);
    const fleet = steps.findIndex((s) => CALL.test(s.run ?? ""));
    const restore = steps.findIndex((s) => /^actions\/cache\/restore@/.test(s.uses ?? ""));
    const save = steps.findIndex((s) => /^actions\/cache\/save@/.test(s.uses ?? ""));
    expect(restore).toBeGreaterThanOrEqual(0);
    expect(restore).toBeLessThan(fleet);
    expect(save).toBeGreaterThan(fleet);
    expect(steps[save].if).toBe("always()");
    const state = calls.find((c) => c[0] === "fleet" && c[1] !== "merge")!;
    const file = state[state.indexOf("--state") + 1];
    expect(steps[restore].with!.path).toBe(file.replace("{matrix.shard}", "${{ matrix.shard }}"));
    expect(steps[save].with!.path).toBe(steps[restore].with!.path);
    // the save key is the restore's primary key; its prefix is among the restore keys
    expect(steps[save].with!.key).toBe(steps[restore].with!.key);
    expect(steps[restore].with!.key.startsWith(steps[restore].with!["restore-keys"])).toBe(true);
    // keyed on the fleet file, not on the run: a new run over the same file resumes too
    expect(steps[restore].with!["restore-keys"]).toBe(
      "fleet-state-${{ hashFiles(inputs.fleet-file) }}-${{ matrix.shard }}-",
    );
  });
});

describe("Azure DevOps example", () => {
  const pl = load("azure-pipelines.yml") as {
    variables: { shards: number };
    stages: {
      stage: string;
      jobs: {
        strategy?: { matrix: Record<string, { shard: number }> };
        steps: Record<string, unknown>[];
      }[];
    }[];
  };
  const calls = scripts(pl).flatMap(invocations);

  test("every vm-rescue command it calls exists with those flags", () => {
    expect(calls.map(check).sort()).toEqual(["vm-rescue fleet", "vm-rescue fleet merge"]);
  });

  test("the parallel jobs' shards cover 1..N once", () => {
    const matrix = pl.stages[0].jobs[0].strategy!.matrix;
    const shards = Object.values(matrix).map((m) => m.shard);
    expect(shards).toEqual(range(pl.variables.shards));
    const fleet = calls.find((c) => c[0] === "fleet" && c[1] !== "merge")!;
    expect(fleet[fleet.indexOf("--shard") + 1]).toBe("{shard}/{shards}");
  });

  test("uses a federated service connection for Azure and its id token for AWS", () => {
    const steps = pl.stages[0].jobs[0].steps;
    const azure = steps.find((s) => s.task === "AzureCLI@2") as { inputs: Record<string, unknown> };
    expect(azure.inputs.addSpnToEnvironment).toBe(true);
    expect(String(azure.inputs.inlineScript)).toMatch(/AWS_WEB_IDENTITY_TOKEN_FILE/);
    expect(String(azure.inputs.inlineScript)).toMatch(/ARM_OIDC_TOKEN="\$idToken"/);
    const text = scripts(pl).join("\n");
    expect(text).toContain("##vso[task.uploadsummary]");
    expect(pl.stages[1].jobs[0].steps.some((s) => s.publish && s.artifact === "fleet-report")).toBe(
      true,
    );
  });

  test("the fleet state is published also when the job fails, and a rerun downloads it", () => {
    const steps = pl.stages[0].jobs[0].steps;
    // Cache@2 saves only after a successful job: the runs that need resuming never would.
    expect(steps.filter((s) => String(s.task).startsWith("Cache@"))).toEqual([]);
    const fleet = steps.findIndex((s) => s.task === "AzureCLI@2");
    const script = String((steps[fleet].inputs as Record<string, unknown>).inlineScript);
    const stateDir = /--state "([^"]*)\/fleet-state-\$\(shard\)\.json"/.exec(script)![1];
    const save = steps.findIndex((s) => s.publish === stateDir);
    expect(save).toBeGreaterThan(fleet);
    expect(steps[save]).toMatchObject({
      artifact: "fleet-state-$(shard)-$(System.JobAttempt)",
      condition: "always()",
    });
    const download = steps.findIndex((s) => s.task === "DownloadPipelineArtifact@2");
    expect(download).toBeGreaterThanOrEqual(0);
    expect(download).toBeLessThan(fleet);
    expect(steps[download].inputs).toMatchObject({
      buildType: "current",
      itemPattern: "fleet-state-$(shard)-*/**",
    });
    const take = steps
      .slice(download + 1, fleet)
      .map((s) => String(s.script ?? ""))
      .join("\n");
    expect(take).toContain(`cp "$previous/fleet-state-$(shard)-$attempt"/*.json "${stateDir}/"`);
    // every artifact name is unique per attempt (a rerun cannot publish a name again)
    for (const s of steps.filter((x) => x.publish))
      expect(String(s.artifact)).toMatch(/\$\(System\.JobAttempt\)$/);
  });
});

test("the examples run vm-rescue from the checkout, never a registry package of that name", () => {
  for (const file of ["github-actions.yml", "azure-pipelines.yml"]) {
    const text = scripts(load(file)).join("\n");
    expect(text).not.toMatch(/\bnpx\s+(?!--no-install\b)[^\n]*vm-rescue/);
    expect(text).toMatch(/node bin\/vm-rescue\.js fleet /);
  }
});

test("a command or flag the CLI lacks fails the check", () => {
  expect(() => check(["fleet", "--no-such-flag"])).toThrow(/no option --no-such-flag/);
  expect(() => check(["fleet", "a.json", "b.json"])).toThrow(/takes 1 arguments/);
});

test("inputs and parameters reach the scripts through the environment, never as script text", () => {
  for (const file of ["github-actions.yml", "azure-pipelines.yml"])
    for (const script of scripts(load(file)))
      expect(script).not.toMatch(/\$\{\{[^}]*\b(inputs|parameters)\.(?!dry)[\w-]+[^}]*\}\}/);
});

test("Azure DevOps: the merge script joins the latest attempt of every shard 1..N", () => {
  const pl = load("azure-pipelines.yml") as {
    variables: { shards: number };
    stages: { jobs: { steps: { script?: string; displayName?: string }[] }[] }[];
  };
  const merge = pl.stages[1].jobs[0].steps.find((s) => /fleet merge/.test(s.script ?? ""))!;
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "ado-merge-"));
  const n = pl.variables.shards;
  // each shard published once; shard 2 ran twice (its second attempt is the one to take)
  for (let k = 1; k <= n; k++)
    fs.mkdirSync(path.join(ws, "shards", `fleet-shard-${k}-1`), { recursive: true });
  fs.mkdirSync(path.join(ws, "shards", "fleet-shard-2-2"));
  const script = merge
    .script!.replace(/\$\(Pipeline\.Workspace\)/g, ws)
    .replace(/\$\(Build\.ArtifactStagingDirectory\)/g, ws)
    .replace(/\$\(shards\)/g, String(n))
    .replace(/node bin\/vm-rescue\.js fleet merge/, "printf '%s\\n'");
  expect(script).not.toMatch(/\$\([A-Z][\w.]*\)/);
  const out = execFileSync("bash", ["-c", script], {
    encoding: "utf8",
  });
  const reports = out
    .split("\n")
    .filter((l) => l.endsWith(".json") && !l.endsWith("fleet-report.json"));
  expect(reports).toEqual(
    range(n).map((k) =>
      path.join(ws, "shards", `fleet-shard-${k}-${k === 2 ? 2 : 1}`, `fleet-report-${k}.json`),
    ),
  );
});
