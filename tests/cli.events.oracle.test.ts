/**
 * The built `vm-rescue events FILE --json` against an independent reader: Debian's libevtx
 * (`evtxexport -f xml`) on the real System.evtx in ../shared/fixtures/evtx. For every record the
 * same record id, event id, provider name and creation time, in the same order. The oracle's XML
 * is read here with nothing but regular expressions, so no code of the project's reader is used
 * on its side. Run `npm run build` first: this test spawns dist/ through bin/vm-rescue.js.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, SHARED_FIXTURES } from "./helpers/paths";

const LOG = path.join(SHARED_FIXTURES, "evtx", "system.evtx");
const CLI = path.join(REPO_ROOT, "bin", "vm-rescue.js");

function haveEvtxexport(): boolean {
  try {
    execFileSync("evtxexport", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const haveLog = fs.existsSync(LOG);
const haveOracle = haveEvtxexport();
if (!haveLog) console.warn(`skipping the events CLI oracle test: ${LOG} is absent`);
else if (!haveOracle) {
  console.warn("skipping the events CLI oracle test: evtxexport (libevtx-utils) is not installed");
}

interface Key {
  recordId: number;
  eventId: number;
  provider: string;
  timeCreated: string;
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
};
const unescapeXml = (s: string) =>
  s
    .replace(/&(amp|lt|gt|quot|apos);/g, (e) => ENTITIES[e])
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)));

/**
 * One key per `<Event>` of `evtxexport -f xml`. libevtx prints FILETIMEs with nine fractional
 * digits, the last two always zero; the CLI prints the seven a FILETIME has. Only "00" is
 * dropped, anything else fails the match.
 */
function oracleKeys(xml: string): Key[] {
  const events = xml.split(/\n\n(?=<Event[ >])/).filter((e) => e.startsWith("<Event"));
  return events.map((e, i) => {
    const need = (re: RegExp, what: string) => {
      const m = re.exec(e);
      if (!m) throw new Error(`evtxexport event #${i + 1}: no ${what}`);
      return m;
    };
    const name = /<Provider\b[^>]*?\sName="([^"]*)"/.exec(e);
    const source = /<Provider\b[^>]*?\sEventSourceName="([^"]*)"/.exec(e);
    const time = need(/<TimeCreated SystemTime="([^"]+)"/, "TimeCreated")[1];
    const short = /^(.*T\d\d:\d\d:\d\d\.\d{7})00Z$/.exec(time);
    if (!short) throw new Error(`evtxexport event #${i + 1}: unexpected time ${time}`);
    return {
      recordId: Number(need(/<EventRecordID>(\d+)<\/EventRecordID>/, "EventRecordID")[1]),
      eventId: Number(need(/<EventID\b[^>]*>(\d+)<\/EventID>/, "EventID")[1]),
      provider: unescapeXml((name ?? source)?.[1] ?? ""),
      timeCreated: `${short[1]}Z`,
    };
  });
}

(haveLog && haveOracle ? describe : describe.skip)(
  "vm-rescue events --json against evtxexport on the real System.evtx",
  () => {
    let mine: Key[] = [];
    let theirs: Key[] = [];
    beforeAll(() => {
      const out = execFileSync(process.execPath, [CLI, "events", LOG, "--json"], {
        maxBuffer: 256 << 20,
      }).toString();
      mine = (JSON.parse(out).events as Key[]).map((r) => ({
        recordId: r.recordId,
        eventId: r.eventId,
        provider: r.provider,
        timeCreated: r.timeCreated,
      }));
      theirs = oracleKeys(
        execFileSync("evtxexport", ["-f", "xml", LOG], { maxBuffer: 256 << 20 }).toString(),
      );
    }, 120_000);

    test("the oracle lists the 1,881 records the fixtures README states", () => {
      expect(theirs).toHaveLength(1881);
      expect(theirs[0]).toEqual({
        recordId: 1,
        eventId: 6009,
        provider: "EventLog",
        timeCreated: "2017-07-12T17:16:28.2141616Z",
      });
    });

    test("record for record: record id, event id, provider and time created agree", () => {
      expect(mine).toHaveLength(theirs.length);
      const differing = theirs
        .map((t, i) => ({ i, t, m: mine[i] }))
        .filter(({ t, m }) => JSON.stringify(t) !== JSON.stringify(m));
      expect({
        count: differing.length,
        first: differing
          .slice(0, 3)
          .map(({ t, m }) => `${JSON.stringify(m)} != ${JSON.stringify(t)}`),
      }).toEqual({ count: 0, first: [] });
    });

    test("the comparison notices an event id off by one", () => {
      const shifted = mine.map((r) => ({ ...r, eventId: r.eventId + 1 }));
      const same = theirs.filter((t, i) => JSON.stringify(t) === JSON.stringify(shifted[i]));
      expect(same).toHaveLength(0);
    });
  },
);
