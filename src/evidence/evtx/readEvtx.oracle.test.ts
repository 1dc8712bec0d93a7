/**
 * The reader against an independent one: Debian's libevtx (`evtxexport`) on a real, dirty
 * System.evtx (header says 3 chunks, 15 hold records). Record for record: ids, event ids, written
 * times, level, computer, provider, user SID and every event data string, and then the full XML of
 * every record. The only normalisation is the time format (libevtx prints nine fractional digits,
 * the last two always zero; this reader prints the seven a FILETIME has), done in testSupport.ts.
 */
import { execFileSync } from "child_process";
import { EvtxReadResult, readEvtx } from "./readEvtx";
import { EvtxRecord } from "./record";
import {
  haveTool,
  loadSystemEvtx,
  OracleRecord,
  parseEvtxexportText,
  shortenFiletimes,
  splitEvtxexportXml,
  SYSTEM_EVTX,
} from "./testing/evtxexport";

const bytes = loadSystemEvtx();
const oracle = bytes !== undefined && haveTool("evtxexport");
const describeOracle = oracle ? describe : describe.skip;

const run = (format: string) =>
  execFileSync("evtxexport", ["-f", format, SYSTEM_EVTX], { maxBuffer: 64 << 20 }).toString();

/**
 * evtxexport lists an event's strings as the EventData items in order followed by the Binary
 * data (upper-case hex), or a UserData element's fields in order: the same values `data` and
 * `binary` hold.
 */
function stringsOf(r: EvtxRecord): string[] {
  const values = Array.isArray(r.data) ? r.data : Object.values(r.data);
  return r.binary === undefined ? values : [...values, r.binary];
}

describeOracle("readEvtx against evtxexport on the real System.evtx", () => {
  // Read in beforeAll: a skipped describe still runs its body, and the fixture may be absent.
  let result: EvtxReadResult;
  let expected: OracleRecord[] = [];
  beforeAll(() => {
    result = readEvtx(bytes as Buffer, { label: "system.evtx", xml: true });
    expected = parseEvtxexportText(run("text"));
  });

  test("the oracle itself lists the 1,881 records the fixtures README states", () => {
    expect(expected).toHaveLength(1881);
    expect(expected[43]).toMatchObject({
      eventNumber: 44,
      eventId: 7026,
      strings: ["\r\nCSC\r\ndam"],
    });
  });

  test("every record evtxexport lists, we list, in the same order and nothing more", () => {
    expect(result.records.map((r) => r.recordId)).toEqual(expected.map((e) => e.eventNumber));
  });

  test("record for record: ids, times, level, computer, provider, SID and data strings", () => {
    const mismatches: string[] = [];
    expected.forEach((e, i) => {
      const r = result.records[i];
      const mine = {
        id: r.recordId,
        eventId: r.eventId,
        written: r.written,
        level: r.level,
        computer: r.computer,
        source: r.eventSource ?? r.provider, // libevtx prefers the classic source name
        sid: r.userId,
        strings: stringsOf(r),
      };
      const theirs = {
        id: e.eventNumber,
        eventId: e.eventId,
        written: e.written,
        level: e.level,
        computer: e.computer,
        source: e.source,
        sid: e.userSid,
        strings: e.strings.map(shortenFiletimes),
      };
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
        mismatches.push(`${JSON.stringify(mine)}\n  != ${JSON.stringify(theirs)}`);
      }
    });
    expect({ count: mismatches.length, first: mismatches.slice(0, 3) }).toEqual({
      count: 0,
      first: [],
    });
  });

  test("the XML of every record equals evtxexport -f xml (time digits aside)", () => {
    const theirs = splitEvtxexportXml(run("xml"));
    expect(theirs).toHaveLength(result.records.length);
    const differing = result.records.filter((r, i) => r.xml !== theirs[i]);
    expect(differing.map((r) => r.recordId)).toEqual([]);
  });

  test("spot checks: values a person reads in Event Viewer", () => {
    const byId = new Map(result.records.map((r) => [r.recordId, r]));
    expect(byId.get(1)).toMatchObject({
      eventId: 6009,
      provider: "EventLog",
      qualifiers: 32768,
      written: "2017-07-12T17:16:28.2141616Z",
      data: ["10.00.", "15063", "", "Multiprocessor Free", "0"],
    });
    expect(byId.get(3)?.data).toMatchObject({
      BuildVersion: "15063",
      StartTime: "2017-07-12T17:16:05.4992599Z",
    });
    expect(byId.get(3)?.userId).toBe("S-1-5-18");
    expect(byId.get(2)?.binary).toBe("E107070003000C00110010001C00D6000000000000000000");
  });
});
