import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, type Io } from "../main";
import { multiString } from "../../evidence/hive/decode";
import type { KeyDescription } from "../../evidence/hive";
import { SHARED_FIXTURES } from "../../../tests/helpers/paths";
import { haveTool } from "../../evidence/hive/testing/fixtures";
import { hivexget } from "./testing/hivexget";

const HIVES = path.join(SHARED_FIXTURES, "hives");
const hive = (name: string) => path.join(HIVES, name);
const haveHives = fs.existsSync(HIVES);
if (!haveHives) console.warn(`skipping the hive command on real hives: ${HIVES} is absent`);
const haveHivex = haveTool("hivexget");
if (haveHives && !haveHivex) console.warn("skipping the hivexget comparison: hivexget is absent");

function io(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function run(args: string[]) {
  const out = io();
  const code = await main(["hive", ...args], out);
  return { code, out: out.stdout.join(""), err: out.stderr.join("") };
}

async function json(args: string[]) {
  const r = await run([...args, "--json"]);
  expect(r).toMatchObject({ code: 0, err: "" });
  return JSON.parse(r.out);
}

/** Every value hivexget prints for `key` is one the command printed, with the same data. */
function expectSameAsHivex(file: string, key: string, ours: KeyDescription["values"]): void {
  const theirs = hivexget(file, key);
  expect(ours.map((v) => v.name)).toEqual(theirs.map((v) => v.name));
  theirs.forEach((v, i) => {
    const mine = ours[i];
    expect([v.name, mine.type]).toEqual([v.name, v.type]);
    if ("number" in v) expect(mine.data).toBe(v.number);
    else if ("text" in v) expect(mine.data).toBe(v.text);
    else {
      expect(mine.size).toBe(v.bytes.length);
      const data = v.type === 7 ? multiString(v.bytes) : { hex: v.bytes.toString("hex") };
      expect(mine.data).toEqual(data);
    }
  });
}

(haveHives && haveHivex ? describe : describe.skip)("vm-rescue hive against hivexget", () => {
  const win7 = hive("SYSTEM_WIN7_X86");

  test.each([
    ["Select"],
    ["ControlSet001\\Services\\AudioSrv"],
    ["ControlSet001\\Services\\.NET CLR Data\\Performance"],
  ])("%s: every value as hivex reads it", async (key) => {
    const doc = await json([win7, "--key", key]);
    expect(doc).toMatchObject({ file: win7, dirty: false, replayed: "none", replay: null });
    expect(doc.key.path.toLowerCase()).toBe(key.toLowerCase());
    expect(doc.key.values.length).toBeGreaterThan(3);
    expectSameAsHivex(win7, key, doc.key.values);
  });
});

(haveHives ? describe : describe.skip)("vm-rescue hive on real hives", () => {
  test("text: the state line, then the key's subkeys and values", async () => {
    const r = await run([hive("SYSTEM_WIN7_X86"), "--key", "\\Select"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^Hive: .*SYSTEM_WIN7_X86 \(clean, sequence 13983\/13983\)$/);
    expect(lines).toContain('  "LastKnownGood"  REG_DWORD  2 (0x2)');
  });

  test("a dirty hive says whether its logs were replayed", async () => {
    const logs = ["--log", hive("SYSTEM_B.LOG1"), hive("SYSTEM_B.LOG2")];
    const key = ["--key", "ControlSet001\\Services\\ad_driver"];
    const replayed = await json([hive("SYSTEM_B"), ...logs, ...key]);
    expect(replayed).toMatchObject({ dirty: true, replayed: "both" });
    expect(replayed.replay).toMatchObject({ logs: ["SYSTEM_B.LOG1", "SYSTEM_B.LOG2"] });
    expect(replayed.key.values.map((v: { name: string }) => v.name)).toContain("ImagePath");
    const text = await run([hive("SYSTEM_B"), ...logs, ...key]);
    expect(text.out.split("\n")[0]).toMatch(/dirty, sequence 1622\/1621; replayed SYSTEM_B\.LOG1/);
    const without = await run([hive("SYSTEM_B"), "--key", "Select"]);
    expect(without.out.split("\n")[0]).toMatch(/dirty.*no transaction log replayed/);
    expect(without.out).toMatch(/^Warning: hive is dirty/m);
  });

  test("a clean hive given logs says on its state line that it did not read them", async () => {
    const logs = ["--log", hive("SYSTEM_B.LOG1"), hive("SYSTEM_B.LOG2")];
    const r = await run([hive("SYSTEM_WIN7_X86"), ...logs, "--key", "Select"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out.split("\n")[0]).toMatch(
      /^Hive: .*SYSTEM_WIN7_X86 \(clean, sequence 13983\/13983; nothing to replay, the transaction logs given are not read\)$/,
    );
  });

  test("--bcd: the store's entries, the default first", async () => {
    const doc = await json([hive("BCD"), "--bcd"]);
    expect(doc.store.bootManager.default.data).toBe("{733b62e5-f608-11eb-825c-c112f60133ab}");
    const text = await run([hive("BCD"), "--bcd"]);
    expect(text.out).toMatch(/^Default entry: "\{733b62e5-f608-11eb-825c-c112f60133ab\}"$/m);
    expect(text.out).toMatch(/^ {2}path \(12000002\) {2}"\\Windows\\system32\\winload\.efi"$/m);
  });
});

describe("vm-rescue hive refuses bad input in one line, exit 2", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-hive-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const junk = path.join(tmp, "junk");
  fs.writeFileSync(junk, "not a hive at all, and long enough for a base block".repeat(200));
  const cases: [string, string[], RegExp][] = [
    ["a missing file", [path.join(tmp, "none")], /hive not found/],
    ["a folder", [tmp], /is not a file/],
    ["not a hive", [junk], /^vm-rescue: regf /],
    ["a missing log", [junk, "--log", path.join(tmp, "none.LOG1")], /transaction log not found/],
    [
      "a log that is not one",
      [junk, "--log", junk],
      /^vm-rescue: --log file \S+junk is not a registry transaction log: it has no "regf" base block/,
    ],
    ["--bcd with --key", [junk, "--bcd", "--key", "Select"], /--bcd/],
  ];
  if (haveHives) {
    cases.push(
      [
        "a corrupted hive",
        [hive("corrupted_system_hive"), "--key", "Select"],
        /root key .* unreadable/,
      ],
      ["a key that is not there", [hive("SYSTEM_WIN7_X86"), "--key", "No\\Such"], /no key/],
      ["--bcd on a SYSTEM hive", [hive("SYSTEM_WIN7_X86"), "--bcd"], /not a BCD store/],
      [
        "a clean hive given a file that is no log",
        [hive("SYSTEM_WIN7_X86"), "--log", junk],
        /--log file \S+junk is not a registry transaction log/,
      ],
      [
        "a primary hive given as a log",
        [hive("SYSTEM_B"), "--log", hive("SYSTEM_WIN7_X86")],
        /--log file \S+SYSTEM_WIN7_X86 is not a registry transaction log: it is a primary hive/,
      ],
    );
  }
  test.each(cases)("%s", async (_name, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
