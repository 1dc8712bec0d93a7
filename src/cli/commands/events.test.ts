import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, type Io } from "../main";
import { SHARED_FIXTURES } from "../../../tests/helpers/paths";

const LOG = path.join(SHARED_FIXTURES, "evtx", "system.evtx");
const haveLog = fs.existsSync(LOG);
if (!haveLog) console.warn(`skipping the events command on the real log: ${LOG} is absent`);

function io(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

(haveLog ? describe : describe.skip)("vm-rescue events on the real System.evtx", () => {
  test("--json lists every record and the boot story the planner uses", async () => {
    const out = io();
    expect(await main(["events", LOG, "--json"], out)).toBe(0);
    const doc = JSON.parse(out.stdout.join(""));
    expect(doc.events).toHaveLength(1881);
    const kinds = new Set(doc.bootStory.map((f: { eventId: number }) => f.eventId));
    for (const id of [7026, 20001, 20003]) expect(kinds.has(id)).toBe(true);
  });

  test("--id selects events; text output is one line per event", async () => {
    const out = io();
    expect(await main(["events", LOG, "--id", "7026"], out)).toBe(0);
    const lines = out.stdout.join("").trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/7026/);
  });
});

describe("vm-rescue events refuses bad input in one line", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-events-"));
  const junk = path.join(tmp, "junk.evtx");
  fs.writeFileSync(junk, "not an event log at all, and long enough to have a header".repeat(100));
  test.each([
    ["a missing file", [path.join(tmp, "none.evtx")], /event log not found/],
    ["a folder", [tmp], /is not a file/],
    ["not an event log", [junk], /EVTX|evtx/],
    ["a bad --id", [junk, "--id", "abc"], /--id/],
    ["a bad --since", [junk, "--since", "yesterday-ish"], /--since/],
  ])("%s", async (_name, args, message) => {
    const out = io();
    expect(await main(["events", ...(args as string[])], out)).toBe(2);
    const err = out.stderr.join("");
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(message as RegExp);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
