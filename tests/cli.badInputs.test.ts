/**
 * Every command, in every output mode, with bad inputs, through the built CLI (`npm run build`
 * first): one line on stderr naming the file and the option, no stack trace, nothing on stdout,
 * exit 2, and none of the engine (Pulumi, cloud SDKs) loaded to refuse it. Also the bounds (a
 * 5,000-deep array, a 200 MB array, /dev/zero) and the process's edges (EPIPE when the reader
 * closes the pipe, SIGINT). The two large tables run in one child process each
 * (helpers/cliBatch.ts: each run in its own empty folder, the heavy packages it first loaded
 * reported); the process's edges, Commander's errors and a row per command spawn bin/ as a user
 * does. Timeouts here only guard against a hang (bench/refusal.bench.js prints the times).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLES, SHARED_FIXTURES } from "./helpers/paths";
import { CLI, expectOneLine, runCli as run } from "./helpers/cli";
import { HEAVY_PACKAGES, runCliBatch, type BatchResult } from "./helpers/cliBatch";
import { buildProgram } from "../src/cli/main";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-bad-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
};
/** What users give by mistake in a file's place. */
const BAD = {
  "a missing file": path.join(tmp, "no-such-file.json"),
  "a folder given as a file": fs.mkdtempSync(path.join(tmp, "a-folder-")),
  "not JSON (nor the binary format)": file("not-json.txt", "Name  : app-vm-01\nState : Running\n"),
  "the wrong shape": file("wrong-shape.json", JSON.stringify({ hello: "world", items: [1, 2] })),
};

/**
 * Runs the CLI in an empty folder and also reports the heavy packages (Pulumi, cloud SDKs) it
 * loaded: a refusal of bad input must not pay for them.
 */
const preload = file(
  "report-heavy.js",
  `process.on("exit", () => {
    const heavy = Object.keys(require.cache).filter((k) => ${HEAVY_PACKAGES}.test(k.replace(/\\\\/g, "/")));
    require("fs").writeSync(3, JSON.stringify(heavy));
  });`,
);
function runInEmptyFolder(args: string[]) {
  const cwd = fs.mkdtempSync(path.join(tmp, "cwd-"));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["-r", preload, CLI, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { ...process.env, CI: "1" },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const created = fs.readdirSync(cwd);
  fs.rmSync(cwd, { recursive: true, force: true });
  const heavy = JSON.parse((r.output[3] as string | null) || "[]") as string[];
  return {
    code: r.status,
    out: r.stdout,
    err: r.stderr,
    signal: r.signal,
    created,
    heavy,
    seconds,
  };
}

/**
 * Every file a command reads, from the program itself: each command's file arguments and its
 * options whose value is a file or folder to read (`<file>`, `<files...>`, `<folder>`; not the
 * reports it writes). A new command or option is in the table without a line here; CONTEXT gives
 * what the rest of its command line needs so that the bad file is what is refused. An option
 * whose help says its file is "created when missing" (fleet --state) takes a missing file as a
 * new one: that is not bad input for it.
 */
const SAMPLE_COLLECT = path.join(EXAMPLES, "collect-output.json");
const CONTEXT: Record<string, string[]> = {
  "plan --nic": ["--azure-vm", path.join(EXAMPLES, "azure-vm.json")],
  "plan --volumes": ["--aws-instance", path.join(EXAMPLES, "aws-instance.json")],
  "rescue --azure-vm": ["--simulate", "--yes"],
  "rescue --nic": ["--simulate", "--yes"],
  "rescue --aws-instance": ["--simulate", "--yes", "--cloud", "aws"],
  "rescue --volumes": ["--simulate", "--yes", "--cloud", "aws"],
  "plan-repair --dumps": [SAMPLE_COLLECT],
  "plan-repair --system-hive": [SAMPLE_COLLECT],
  "plan-repair --bcd": [
    SAMPLE_COLLECT,
    "--system-hive",
    path.join(SHARED_FIXTURES, "hives", "SYSTEM_WIN_10_1709"),
  ],
  "hive --log": [path.join(EXAMPLES, "evidence", "SOFTWARE")],
  "fleet --state": [path.join(EXAMPLES, "azure-vm.json"), "--dry-run"],
};
interface Slot {
  name: string;
  option: string | null;
  args: (f: string) => string[];
  /** A missing file is a new one (the option's help says it is created when missing). */
  createsMissing: boolean;
}
const program = buildProgram({ out() {}, err() {}, isTty: false }, () => undefined);
const SLOTS: Slot[] = program.commands.flatMap((c) => {
  const cmd = c.name();
  const fileArgs = c.registeredArguments.filter((a) =>
    /file|path|disk|json|evidence/i.test(a.name()),
  );
  const fileOptions = c.options.filter(
    (o) => /<(file|files\.\.\.|folder)>/.test(o.flags) && !/\bwrite\b/i.test(o.description),
  );
  return [
    ...fileArgs.map((a) => ({
      name: `${cmd} <${a.name()}>`,
      option: null,
      args: (f: string) => [cmd, f],
      createsMissing: false,
    })),
    ...fileOptions.map((o) => {
      const flag = o.long as string;
      const context = CONTEXT[`${cmd} ${flag}`];
      if (!context && c.registeredArguments.some((a) => a.required))
        throw new Error(`${cmd} ${flag}: say in CONTEXT what the rest of its command line is`);
      return {
        name: `${cmd} ${flag}`,
        option: flag,
        args: (f: string) => [cmd, ...(context ?? []), flag, f],
        createsMissing: /created when missing/.test(o.description),
      };
    }),
  ];
});

const table = SLOTS.flatMap((slot) =>
  Object.entries(BAD)
    .filter(([what]) => !(slot.createsMissing && what === "a missing file"))
    .flatMap(([what, f]) =>
      [[], ["--json"]].map(
        (mode) =>
          [`${slot.name}${mode.length ? " --json" : ""} with ${what}`, slot, f, mode] as const,
      ),
    ),
);

describe("every command with bad inputs: one line, no stack trace, a documented exit code", () => {
  test("the table covers every command that reads a file, and each of its file options", () => {
    const names = SLOTS.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(["plan --azure-vm", "plan --volumes", "hive <file>"]),
    );
    const commands = new Set(SLOTS.map((s) => s.name.split(" ")[0]));
    for (const c of [
      "plan",
      "triage",
      "check-drivers",
      "plan-repair",
      "rescue",
      "events",
      "diagnose",
      "hive",
      "fleet",
    ])
      expect(commands).toContain(c);
  });

  test("plan-repair's evidence and fleet --state are in the table; a missing state is a new one", () => {
    expect(SLOTS.map((s) => s.name)).toEqual(
      expect.arrayContaining(["plan-repair <evidence>", "plan-repair --dumps", "fleet --state"]),
    );
    expect(SLOTS.filter((s) => s.createsMissing).map((s) => s.name)).toEqual(["fleet --state"]);
  });

  let results: BatchResult[] | undefined;
  const tableRun = (i: number) =>
    (results ??= runCliBatch(table.map(([, slot, bad, mode]) => [...slot.args(bad), ...mode])))[i];

  test.each(table.map((row, i) => [...row, i] as const))("%s", (_name, slot, bad, mode, i) => {
    const r = tableRun(i);
    expectOneLine(r, [2]);
    expect(r.out).toBe("");
    // The line names the file (its path or name) and, for an option, the option.
    expect(r.err).toContain(path.basename(bad));
    if (slot.option) expect(r.err).toContain(slot.option);
    expect(r.created).toEqual([]);
    expect(r.heavy).toEqual([]);
  });

  test("the batch reports the run that loads the engine, and only that run", () => {
    const good = ["plan", "--azure-vm", path.join(EXAMPLES, "azure-vm.json"), "--json"];
    const bad = ["plan", "--azure-vm", BAD["the wrong shape"]];
    const [before, loads, after] = runCliBatch([bad, good, bad]);
    expect(before.heavy).toEqual([]);
    expect(loads.code).toBe(0);
    expect(loads.heavy.some((f) => /@pulumi[\\/]pulumi/.test(f))).toBe(true);
    expect(after.heavy).toEqual([]);
    expect(after.code).toBe(2);
  });

  // The table's rows run in one process; one row per command also runs as its own process.
  // The first of each command's rows with a file of the wrong shape (read and parsed), in text mode.
  const shaped = table.filter(([, , f, mode]) => f === BAD["the wrong shape"] && mode.length === 0);
  const perCommand = shaped.filter(
    (row, i) =>
      shaped.findIndex((r) => r[1].name.split(" ")[0] === row[1].name.split(" ")[0]) === i,
  );
  test.each(perCommand)("%s, as its own process", (_name, slot, bad, mode) => {
    const r = runInEmptyFolder([...slot.args(bad), ...mode]);
    expectOneLine(r, [2]);
    expect(r.out).toBe("");
    expect(r.err).toContain(path.basename(bad));
    expect(r.created).toEqual([]);
    expect(r.heavy).toEqual([]);
  });

  /** The sample VM without its id (the planner reads the resource group and name from it). */
  const withoutId = () => {
    const vm = JSON.parse(fs.readFileSync(path.join(EXAMPLES, "azure-vm.json"), "utf8"));
    delete vm.id;
    return vm;
  };
  test.each<[string, string[], RegExp]>([
    [
      "rollback with an unknown cloud",
      ["rollback", "--cloud", "gcp", "--vm", "x", "--yes"],
      /--cloud must be azure or aws, not "gcp"/,
    ],
    [
      "rescue with an unknown action",
      ["rescue", "--simulate", "--yes", "--actions", "Nope"],
      /--actions: unknown action "Nope"/,
    ],
    [
      "plan with an unknown setting",
      ["plan", "--azure-vm", path.join(EXAMPLES, "azure-vm.json"), "--set", "nope=1"],
      /unknown setting "nope"/,
    ],
    [
      "plan with an unknown setting and a VM without an id: the id first, as the planner checks",
      ["plan", "--azure-vm", file("no-id.json", JSON.stringify(withoutId())), "--set", "nope=1"],
      /the VM's id is not an Azure resource id/,
    ],
  ])("%s: refused before the engine loads", (_name, args, line) => {
    const r = runInEmptyFolder(args);
    expectOneLine(r, [2]);
    expect(r.err).toMatch(line);
    expect(r.heavy).toEqual([]);
  });

  test.each([
    ["an unknown option", ["plan", "--nope"], /^vm-rescue: unknown option '--nope'\n$/],
    [
      "an unknown option with a suggestion",
      ["plan", "--azure-v", "x"],
      /^vm-rescue: unknown option '--azure-v' \(Did you mean --azure-vm\?\)\n$/,
    ],
    ["an unknown command", ["nope"], /^vm-rescue: unknown command 'nope'\n$/],
    ["no command", [], /^vm-rescue: no command given; run `vm-rescue --help` for the commands\n$/],
    [
      "an option's missing argument",
      ["plan", "--azure-vm"],
      /^vm-rescue: option '--azure-vm <file>' argument missing\n$/,
    ],
    ["a missing argument", ["hive", "--json"], /^vm-rescue: missing required argument 'file'\n$/],
    ["too many arguments", ["plan", "extra"], /^vm-rescue: too many arguments for 'plan'/],
  ])("Commander's own error, %s: one vm-rescue line, exit 2", (_name, args, line) => {
    const r = run(args);
    expectOneLine(r, [2]);
    expect(r.err).toMatch(line);
    expect(r.out).toBe("");
  });
});

describe("plan-repair --dumps: only regular files, each within the minidump cap", () => {
  const COLLECT = path.join(EXAMPLES, "collect-output.json");
  /** A sparse file over the cap: nothing is written, so making it costs no disk. */
  const oversize = (dir: string, name: string) => {
    fs.mkdirSync(dir, { recursive: true });
    const f = path.join(dir, name);
    fs.closeSync(fs.openSync(f, "w"));
    fs.truncateSync(f, 17 * 1024 * 1024);
    return f;
  };
  const fifo = path.join(tmp, "dumps-fifo");
  const haveFifo = spawnSync("mkfifo", [fifo]).status === 0;
  const cases: [string, string, RegExp][] = [
    ["/dev/zero", "/dev/zero", /--dumps: \/dev\/zero is not a regular file/],
    [
      "a file over the cap named as a listed dump",
      oversize(path.join(tmp, "dumps-listed"), "112926-9218-01.dmp"),
      /--dumps file \S+112926-9218-01\.dmp is larger than 16 MiB; .*minidump/,
    ],
    [
      "a folder holding a .dmp over the cap",
      path.dirname(oversize(path.join(tmp, "dumps-folder"), "MEMORY.DMP")),
      /--dumps file \S+MEMORY\.DMP is larger than 16 MiB; .*minidump/,
    ],
    ["a missing folder", path.join(tmp, "no-such-folder"), /--dumps folder not found/],
    ...(haveFifo
      ? ([["a FIFO", fifo, /--dumps: \S+dumps-fifo is not a regular file/]] as [
          string,
          string,
          RegExp,
        ][])
      : []),
  ];
  test.each(
    cases.flatMap(([n, f, l]) => [
      [n, f, l, []] as const,
      [`${n} --json`, f, l, ["--json"]] as const,
    ]),
  )("%s: exit 2, one line naming it", (_name, f, line, mode) => {
    const r = run(["plan-repair", COLLECT, "--dumps", f, ...mode]);
    expectOneLine(r, [2]);
    expect(r.err).toMatch(line);
    expect(r.out).toBe("");
  });
});

describe("bounds: refused in one line, never a hang", () => {
  const deep = file("deep.json", "[".repeat(5000) + "]".repeat(5000));
  /** A 200 MB array, written in chunks; refused at the cap without being read whole. */
  const big = path.join(tmp, "big.json");
  beforeAll(() => {
    const fd = fs.openSync(big, "w");
    const chunk = Buffer.from("0,".repeat(512 * 1024));
    fs.writeSync(fd, "[");
    for (let i = 0; i < 200; i++) fs.writeSync(fd, chunk);
    fs.writeSync(fd, "0]");
    fs.closeSync(fd);
  });
  afterAll(() => fs.rmSync(big, { force: true }));

  /**
   * The commands that run the engine (fleet, rescue --simulate) read and check their files first:
   * each bound is refused without loading Pulumi or a cloud SDK. The 2 s the issue allows is
   * printed by bench/refusal.bench.js; the bound here is generous (tests share the machine) and
   * only fails when the engine's load (seconds) comes before the refusal.
   */
  const BOUND_S = 8;
  const commands: [string, (f: string) => string[], string][] = [
    ["plan --azure-vm", (f) => ["plan", "--azure-vm", f], "--azure-vm"],
    ["fleet", (f) => ["fleet", f], "the fleet file"],
    ["fleet --simulate", (f) => ["fleet", "--simulate", f], "the fleet file"],
    [
      "rescue --simulate --azure-vm",
      (f) => ["rescue", "--simulate", "--yes", "--azure-vm", f],
      "--azure-vm",
    ],
    ["rescue --simulate --nic", (f) => ["rescue", "--simulate", "--yes", "--nic", f], "--nic"],
    [
      "rescue --simulate --aws-instance",
      (f) => ["rescue", "--simulate", "--yes", "--aws-instance", f],
      "--aws-instance",
    ],
    [
      "rescue --simulate --volumes",
      (f) => ["rescue", "--simulate", "--yes", "--cloud", "aws", "--volumes", f],
      "--volumes",
    ],
  ];
  const inputs: [string, () => string, RegExp][] = [
    ["a 5,000-deep array", () => deep, /nests deeper than 64 levels/],
    ["/dev/zero", () => "/dev/zero", /is larger than \d+ MiB/],
    ["a 200 MB array", () => big, /is larger than \d+ MiB; give /],
    ["the wrong shape", () => BAD["the wrong shape"], /wrong-shape\.json/],
  ];
  const rows = commands.flatMap(([c, args, what]) =>
    inputs.map(([i, f, line]) => [`${c} with ${i}`, args, what, f, line] as const),
  );
  let results: BatchResult[] | undefined;
  const boundRun = (i: number) =>
    (results ??= runCliBatch(rows.map(([, args, , f]) => args(f()))))[i];
  test.each(rows.map((row, i) => [...row, i] as const))(
    "%s: refused before the engine loads",
    (_name, _args, what, _f, line, i) => {
      const r = boundRun(i);
      expectOneLine(r, [2]);
      expect(r.err).toMatch(line);
      expect(r.err).toContain(what);
      expect(r.out).toBe("");
      expect(r.heavy).toEqual([]);
      expect(r.seconds).toBeLessThan(BOUND_S);
    },
  );

  test.each(commands)("%s with a 200 MB array, as its own process", (_name, args, what) => {
    const r = runInEmptyFolder(args(big));
    expectOneLine(r, [2]);
    expect(r.err).toContain(what);
    expect(r.out).toBe("");
    expect(r.created).toEqual([]);
    expect(r.heavy).toEqual([]);
    expect(r.seconds).toBeLessThan(BOUND_S);
  });

  test("a 200 MB collect output", () => {
    for (const command of ["plan-repair", "check-drivers"]) {
      const r = run([command, big]);
      expectOneLine(r, [2]);
      expect(r.err).toMatch(/collect output file \S+ is larger than 64 MiB; .*collect\.ps1/);
    }
  });

  test("an endless pipe on stdin-like input (a FIFO fed forever) is cut at the cap", () => {
    const fifo = path.join(tmp, "fifo");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return;
    const writer = spawn(process.execPath, [
      "-e",
      `const fs=require("fs");const fd=fs.openSync(${JSON.stringify(fifo)},"w");const b=Buffer.alloc(65536,32);try{for(;;)fs.writeSync(fd,b)}catch{}`,
    ]);
    const r = run(["plan", "--azure-vm", fifo]);
    writer.kill();
    expectOneLine(r, [2]);
  });
});

describe("the process's edges", () => {
  test("plan --json | head -c 10: no EPIPE trace", () => {
    const r = spawnSync(
      "sh",
      [
        "-c",
        `"${process.execPath}" "${CLI}" plan --azure-vm "${path.join(EXAMPLES, "azure-vm.json")}" --json | head -c 10`,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  test("SIGINT while plan runs: one line, exit 130, no plan", async () => {
    // The description comes through a FIFO: once the child opens it for reading, the guard is
    // installed and plan is running, so the signal lands mid-command (no guessed delay). The
    // description is written only after the signal, so the plan has all its work still ahead.
    const fifo = path.join(tmp, "sigint-fifo");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return;
    const child = spawn(process.execPath, [CLI, "plan", "--azure-vm", fifo], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const closed = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    const writer = await fs.promises.open(fifo, "w"); // resolves when the child opens it
    child.kill("SIGINT");
    await writer.writeFile(fs.readFileSync(path.join(EXAMPLES, "azure-vm.json")));
    await writer.close();
    const code = await closed;
    expect(err).not.toMatch(/\n\s+at /);
    expect(err.trimEnd().split("\n")).toHaveLength(1);
    expect(err).toMatch(/^vm-rescue: interrupted \(SIGINT\)/);
    expect(out).toBe("");
    expect(code).toBe(130);
  });
});

describe("operator values are checked before anything is planned", () => {
  const VM = path.join(EXAMPLES, "azure-vm.json");
  test.each([
    ["a shell metacharacter", ["plan", "--azure-vm", VM, "--set", "vmName=a&b"], /holds "&"/],
    [
      "a PowerShell subexpression",
      ["plan", "--azure-vm", VM, "--set", "resourceGroup=rg$(calc)"],
      /holds "\$"/,
    ],
    [
      "a path traversal",
      ["plan", "--azure-vm", VM, "--set", "helperAmiParameter=/aws/../x"],
      /".." path segment/,
    ],
    [
      "a control character",
      ["plan", "--azure-vm", VM, "--set", "vmName=a\u001b[2Jb"],
      /holds "\\u001b"/,
    ],
    [
      "a right-to-left override",
      ["plan", "--azure-vm", VM, "--set", "vmName=a\u202eb"],
      /holds "\\u202e"/,
    ],
    [
      "a key that is not a name",
      ["plan", "--azure-vm", VM, "--set", "a;b=1"],
      /not a setting name/,
    ],
    [
      "a driver with a metacharacter",
      ["plan", "--azure-vm", VM, "--set", "driver=a;b"],
      /holds ";"/,
    ],
    [
      "--driver with a traversal",
      ["rescue", "--simulate", "--yes", "--driver", "..\\x.sys"],
      /must be a service name/,
    ],
    [
      "--driver not on the simulated sample",
      ["rescue", "--simulate", "--yes", "--driver", "nosuchdriver"],
      /no service of that name is on the bundled sample disk/,
    ],
    [
      "--actions with a metacharacter",
      ["rescue", "--simulate", "--yes", "--actions", "Chkdsk;calc"],
      /unknown action/,
    ],
    [
      "plan-repair --driver with a metacharacter",
      ["plan-repair", path.join(EXAMPLES, "collect-output.json"), "--driver", "a|b"],
      /not a valid service name/,
    ],
  ])("%s: exit 2, one line", (_name, args, line) => {
    const r = run(args);
    expectOneLine(r, [2]);
    expect(r.err).toMatch(line);
  });

  test("a plain driver name not on the sample disk: planned without it, with a warning", () => {
    const r = run(["plan", "--azure-vm", VM, "--set", "driver=foo"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /driver=foo is not a service on the bundled sample disk this plan simulates/,
    );
  });
});
