/**
 * The boot story on the real System.evtx (counts from the fixtures README, values as evtxexport
 * shows them), and on records carrying the crash events that fixture lacks: 1001, 41 and 6008
 * with the values of a real Windows 7 log (python-evtx's system.evtx, compared with evtxexport
 * when this module was written; that file is not among the shared fixtures).
 */
import { BootFact, BootFactKind, bootStory } from "./bootStory";
import { readEvtx } from "./readEvtx";
import { EvtxRecord } from "./record";
import { loadSystemEvtx } from "./testing/evtxexport";

const bytes = loadSystemEvtx();
const describeFixture = bytes ? describe : describe.skip;

describeFixture("the real System.evtx", () => {
  // Read in beforeAll: a skipped describe still runs its body, and the fixture may be absent.
  let records: EvtxRecord[] = [];
  let dirty = false;
  let story: BootFact[] = [];
  beforeAll(() => {
    ({ records, dirty } = readEvtx(bytes as Buffer, { label: "system.evtx" }));
    story = bootStory(records);
  });

  test("holds the event counts the fixtures README states", () => {
    const count = (id: number) => records.filter((r) => r.eventId === id).length;
    expect(dirty).toBe(true);
    expect(records).toHaveLength(1881);
    expect([7026, 7000, 7001, 7023, 6005, 6006, 20001, 20003].map(count)).toEqual([
      3, 3, 4, 12, 3, 2, 24, 16,
    ]);
  });

  const of = <K extends BootFactKind>(kind: K) =>
    story.filter((f): f is Extract<BootFact, { kind: K }> => f.kind === kind);

  test("7026: the boot-start drivers that failed to load, by name", () => {
    expect(of("boot-drivers-failed")).toEqual([
      {
        kind: "boot-drivers-failed",
        recordId: 44,
        eventId: 7026,
        time: "2017-07-12T17:16:29.2609979Z",
        boot: 1,
        drivers: ["CSC", "dam"],
      },
      expect.objectContaining({ recordId: 214, boot: 2, drivers: ["dam"] }),
      expect.objectContaining({ recordId: 348, boot: 3, drivers: ["dam"] }),
    ]);
  });

  test("20001: driver installs with device, inf and status", () => {
    const installs = of("driver-installed");
    expect(installs).toHaveLength(24);
    expect(installs[0]).toEqual({
      kind: "driver-installed",
      recordId: 48,
      eventId: 20001,
      time: "2017-07-12T17:16:29.6950224Z",
      boot: 1,
      deviceInstanceId: "HID\\VID_0E0F&PID_000A&COL01\\7&1E4BFC40&0&0000",
      driverName: "sensorshidclassdriver.inf_amd64_be6069ec8fe30d8b\\sensorshidclassdriver.inf",
      inf: "sensorshidclassdriver.inf",
      driverVersion: "10.0.15063.0",
      driverProvider: "Microsoft",
      description: "HID Sensor Collection V2",
      status: "0x00000000",
      statusCode: 0,
    });
    expect(installs.map((f) => f.inf)).toContain("bth.inf");
  });

  test("20003: services added for devices, with driver file and status", () => {
    const added = of("driver-service-added");
    expect(added).toHaveLength(16);
    expect(added[0]).toEqual({
      kind: "driver-service-added",
      recordId: 51,
      eventId: 20003,
      time: "2017-07-12T17:16:30.3489053Z",
      boot: 1,
      deviceInstanceId: "USB\\VID_0E0F&PID_0008\\000650268328",
      service: "BTHUSB",
      driverFile: "\\SystemRoot\\system32\\DRIVERS\\BTHUSB.sys",
      status: "0",
      statusCode: 0,
    });
  });

  test("7000/7023: service failures with their error inserts", () => {
    expect(of("service-start-failed").map((f) => [f.recordId, f.service, f.errorCode])).toEqual([
      [35, "CldFlt", 50],
      [211, "CldFlt", 50],
      [343, "CldFlt", 50],
    ]);
    const terminated = of("service-terminated");
    expect(terminated).toHaveLength(12);
    expect(terminated[0]).toMatchObject({ service: "Spooler", error: "%%2147942414" });
    expect(terminated[0].errorCode).toBe(0x8007000e);
  });

  test("7001 here is Winlogon's logon notification, not a service dependency failure", () => {
    expect(records.filter((r) => r.eventId === 7001).map((r) => r.provider)).toEqual(
      Array(4).fill("Microsoft-Windows-Winlogon"),
    );
    expect(of("service-dependency-failed")).toEqual([]);
  });

  test("6005/6006 bound three boots", () => {
    expect(of("log-started").map((f) => [f.recordId, f.boot])).toEqual([
      [2, 1],
      [176, 2],
      [310, 3],
    ]);
    expect(of("log-stopped").map((f) => [f.recordId, f.boot])).toEqual([
      [168, 1],
      [301, 2],
    ]);
  });

  test("since and ids filter without renumbering boots", () => {
    const late = bootStory(records, { since: new Date("2017-07-12T17:20:00Z"), ids: [7026, 7000] });
    expect(late.map((f) => [f.eventId, f.recordId, f.boot])).toEqual([
      [7000, 343, 3],
      [7026, 348, 3],
    ]);
  });
});

/** A record as the reader returns it, with only what the story reads. */
function rec(partial: Partial<EvtxRecord> & Pick<EvtxRecord, "recordId" | "eventId">): EvtxRecord {
  const written = "2012-04-06T14:07:52.0000000Z";
  return { written, provider: "", timeCreated: written, data: [], ...partial };
}

describe("crash events (values of a real Windows 7 System log)", () => {
  const params = "0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000";
  const records: EvtxRecord[] = [
    rec({ recordId: 13300, eventId: 6005, provider: "EventLog" }),
    rec({
      recordId: 13388,
      eventId: 6008,
      provider: "EventLog",
      timeCreated: "2012-04-06T14:07:44.0000000Z",
      data: ["9:59:13 AM", "\u200e4/\u200e6/\u200e2012", "", "", "1846932", "", ""],
      binary:
        "DC0704000500060009003B000D001D00DC070400050006000D003B000D001D00" +
        "600900003C000000010000006009000000000000B004000001000000BF590000",
    }),
    rec({
      recordId: 13392,
      eventId: 41,
      provider: "Microsoft-Windows-Kernel-Power",
      timeCreated: "2012-04-06T14:07:06.6250000Z",
      data: {
        BugcheckCode: "65537",
        BugcheckParameter1: "0x0000000000000000",
        BugcheckParameter2: "0x0000000000000000",
        BugcheckParameter3: "0x0000000000000000",
        BugcheckParameter4: "0x0000000000000000",
        SleepInProgress: "false",
        PowerButtonTimestamp: "0",
      },
    }),
    rec({
      recordId: 13423,
      eventId: 1001,
      provider: "Microsoft-Windows-WER-SystemErrorReporting",
      eventSource: "BugCheck",
      timeCreated: "2012-04-06T14:07:52.0000000Z",
      data: [`0x00010001 (${params})`, "C:\\Windows\\MEMORY.DMP", "040612-50390-01"],
    }),
    // Same id, other provider: an application's 1001 is not a bug check.
    rec({ recordId: 13424, eventId: 1001, provider: "Windows Error Reporting", data: ["x"] }),
  ];

  test("1001 BugCheck: code, parameters, dump path and report id from the message inserts", () => {
    expect(bootStory(records, { ids: [1001] })).toEqual([
      {
        kind: "bugcheck",
        recordId: 13423,
        eventId: 1001,
        time: "2012-04-06T14:07:52.0000000Z",
        boot: 1,
        code: 0x00010001,
        parameters: params.split(", "),
        dumpPath: "C:\\Windows\\MEMORY.DMP",
        reportId: "040612-50390-01",
        message: `0x00010001 (${params})`,
      },
    ]);
  });

  test("1001 on Windows 10 names its inserts; a stop code without a dump keeps the path", () => {
    const win10 = rec({
      recordId: 9,
      eventId: 1001,
      provider: "Microsoft-Windows-WER-SystemErrorReporting",
      data: {
        param1: "0x0000007b (0xffffd0818a6e7978, 0xffffffffc0000034, 0x0000000000000000, 0x0)",
        param2: "C:\\Windows\\Minidump\\071224-10968-01.dmp",
        param3: "071224-10968-01",
      },
    });
    const [fact] = bootStory([win10]);
    expect(fact).toMatchObject({
      kind: "bugcheck",
      code: 0x7b,
      parameters: ["0xffffd0818a6e7978", "0xffffffffc0000034", "0x0000000000000000", "0x0"],
      dumpPath: "C:\\Windows\\Minidump\\071224-10968-01.dmp",
      reportId: "071224-10968-01",
    });
  });

  test("41 Kernel-Power: the bug check code it recorded", () => {
    expect(bootStory(records, { ids: [41] })).toEqual([
      {
        kind: "unexpected-reboot",
        recordId: 13392,
        eventId: 41,
        time: "2012-04-06T14:07:06.6250000Z",
        boot: 1,
        bugcheckCode: 65537,
        bugcheckParameters: params.split(", "),
      },
    ]);
  });

  test("6008: the previous shutdown's local and UTC times from the binary data", () => {
    expect(bootStory(records, { ids: [6008] })).toEqual([
      {
        kind: "unexpected-shutdown",
        recordId: 13388,
        eventId: 6008,
        time: "2012-04-06T14:07:44.0000000Z",
        boot: 1,
        shutdownTime: "9:59:13 AM",
        shutdownDate: "\u200e4/\u200e6/\u200e2012",
        shutdownLocal: "2012-04-06T09:59:13.029Z",
        shutdownUtc: "2012-04-06T13:59:13.029Z",
      },
    ]);
  });

  test("an invalid since is refused rather than silently matching nothing", () => {
    expect(() => bootStory(records, { since: new Date("not a date") })).toThrow(RangeError);
  });
});

describe("service control manager events", () => {
  const scm = "Service Control Manager";

  test("7001: the service, the dependency that failed, and its error", () => {
    const r = rec({
      recordId: 70,
      eventId: 7001,
      provider: scm,
      data: {
        param1: "Network List Service",
        param2: "Network Location Awareness",
        param3: "%%1068",
      },
    });
    expect(bootStory([r])).toEqual([
      {
        kind: "service-dependency-failed",
        recordId: 70,
        eventId: 7001,
        time: "2012-04-06T14:07:52.0000000Z",
        boot: 0,
        service: "Network List Service",
        dependency: "Network Location Awareness",
        error: "%%1068",
        errorCode: 1068,
      },
    ]);
  });

  test("unnamed inserts are read by position; a free-text error keeps no code", () => {
    const facts = bootStory([
      rec({ recordId: 1, eventId: 7026, provider: scm, data: ["\r\nstorvsc\r\n vmbus \r\n"] }),
      rec({ recordId: 2, eventId: 7000, provider: scm, data: ["Spooler", "Access is denied."] }),
    ]);
    expect(facts).toMatchObject([
      { kind: "boot-drivers-failed", drivers: ["storvsc", "vmbus"] },
      { kind: "service-start-failed", service: "Spooler", error: "Access is denied." },
    ]);
    expect(facts[1]).not.toHaveProperty("errorCode");
  });
});
