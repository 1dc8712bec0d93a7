import type { TimeZoneFacts } from "./contract";
import {
  decodeSystemTime,
  driverInstallsOf,
  localToUtc,
  parseSetupApiLog,
  transitionWallClock,
} from "./setupapi";
import {
  sampleDriverInstalls,
  sampleSetupApiLog,
  sampleSetupApiLogText,
  westEuropeTimeZone,
} from "../../tests/builders/facts";

const UTC: TimeZoneFacts = {
  keyName: "UTC",
  bias: 0,
  standardBias: 0,
  daylightBias: 0,
  standardStart: null,
  daylightStart: null,
  activeTimeBias: 0,
  dynamicDaylightTimeDisabled: 0,
};
/** AUS Eastern Standard Time: UTC+10, daylight UTC+11 from the first Sunday of October to the first Sunday of April. */
const SYDNEY: TimeZoneFacts = {
  keyName: "AUS Eastern Standard Time",
  bias: -600,
  standardBias: 0,
  daylightBias: -60,
  standardStart: "00000400000001000300000000000000",
  daylightStart: "00000A00000001000200000000000000",
  activeTimeBias: -660,
  dynamicDaylightTimeDisabled: 0,
};
/** Pacific Standard Time: UTC-8, daylight UTC-7 from the second Sunday of March to the first Sunday of November. */
const PACIFIC: TimeZoneFacts = {
  keyName: "Pacific Standard Time",
  bias: 480,
  standardBias: 0,
  daylightBias: -60,
  standardStart: "00000B00000001000200000000000000",
  daylightStart: "00000300000002000200000000000000",
  activeTimeBias: 480,
  dynamicDaylightTimeDisabled: 0,
};

const wall = (s: string) => Date.parse(`${s}Z`);
const utcOf = (local: string, tz: TimeZoneFacts | null) =>
  new Date(localToUtc(wall(local), tz).utc).toISOString().replace(".000Z", "Z");

/** One section as setupapi writes it; `lines` go between the start and the end. */
function section(
  header: string,
  start: string,
  lines: string[],
  exit: string | null = "SUCCESS",
): string {
  return [
    `>>>  [${header}]`,
    `>>>  Section start ${start}`,
    ...lines,
    ...(exit === null ? [] : [`<<<  Section end ${start}`, `<<<  [Exit status: ${exit}]`]),
    "",
    "",
  ].join("\r\n");
}

const cxImport = (start = "2026/11/27 23:05:10.123") =>
  section("Setup Import Driver Package - C:\\Temp\\cx\\cxnetmon.inf", start, [
    "     sto:           Copying 'C:\\Temp\\cx\\cxnetmon.sys' to 'C:\\Windows\\System32\\DriverStore\\Temp\\{1d2e3f40-5162-7384-95a6-b7c8d9e0f1a2}\\cxnetmon.sys'.",
    "     cpy:           Published 'cxnetmon.inf_amd64_3f2a9c1d7b6e4a05\\cxnetmon.inf' to 'oem42.inf'.",
  ]);

describe("time zone rules (TimeZoneInformation)", () => {
  test("SYSTEMTIME hex decodes to the transition rule; malformed values are null", () => {
    expect(decodeSystemTime("00000A00000005000300000000000000")).toEqual({
      year: 0,
      month: 10,
      dayOfWeek: 0,
      day: 5,
      hour: 3,
      minute: 0,
      second: 0,
    });
    expect(decodeSystemTime("00000D00000005000300000000000000")).toBeNull(); // month 13
    expect(decodeSystemTime("00-00-0A-00")).toBeNull();
    expect(decodeSystemTime(null)).toBeNull();
  });

  test("relative rules find the n-th and the last weekday of the month", () => {
    const lastSundayOf = (month: number) => ({
      year: 0,
      month,
      dayOfWeek: 0,
      day: 5,
      hour: 2,
      minute: 0,
      second: 0,
    });
    expect(new Date(transitionWallClock(lastSundayOf(3), 2026)!).toISOString()).toBe(
      "2026-03-29T02:00:00.000Z",
    );
    expect(new Date(transitionWallClock(lastSundayOf(10), 2026)!).toISOString()).toBe(
      "2026-10-25T02:00:00.000Z",
    );
    expect(new Date(transitionWallClock({ ...lastSundayOf(3), day: 2 }, 2026)!).toISOString()).toBe(
      "2026-03-08T02:00:00.000Z",
    );
    expect(transitionWallClock({ ...lastSundayOf(3), month: 0 }, 2026)).toBeNull();
    // an absolute date applies to its own year only
    expect(
      transitionWallClock(
        { year: 2025, month: 3, dayOfWeek: 0, day: 30, hour: 2, minute: 0, second: 0 },
        2026,
      ),
    ).toBeNull();
  });

  test.each<[string, TimeZoneFacts | null, string, string]>([
    ["W. Europe, winter", westEuropeTimeZone(), "2026-11-27T23:05:10", "2026-11-27T22:05:10Z"],
    ["W. Europe, summer", westEuropeTimeZone(), "2026-05-18T10:01:00", "2026-05-18T08:01:00Z"],
    [
      "W. Europe, just before the spring switch",
      westEuropeTimeZone(),
      "2026-03-29T01:59:59",
      "2026-03-29T00:59:59Z",
    ],
    [
      "W. Europe, just after the autumn switch",
      westEuropeTimeZone(),
      "2026-10-25T03:00:00",
      "2026-10-25T02:00:00Z",
    ],
    ["Pacific, summer", PACIFIC, "2026-07-04T12:00:00", "2026-07-04T19:00:00Z"],
    ["Pacific, winter", PACIFIC, "2026-01-15T12:00:00", "2026-01-15T20:00:00Z"],
    [
      "Sydney, January is daylight time (the interval wraps the year)",
      SYDNEY,
      "2026-01-15T12:00:00",
      "2026-01-15T01:00:00Z",
    ],
    ["Sydney, July is standard time", SYDNEY, "2026-07-15T12:00:00", "2026-07-15T02:00:00Z"],
    ["UTC", UTC, "2026-11-27T22:05:10", "2026-11-27T22:05:10Z"],
    [
      "DST switched off",
      { ...westEuropeTimeZone(), dynamicDaylightTimeDisabled: 1 },
      "2026-05-18T10:01:00",
      "2026-05-18T09:01:00Z",
    ],
    [
      "no Bias: ActiveTimeBias",
      { ...UTC, bias: null, activeTimeBias: -120 },
      "2026-05-18T10:01:00",
      "2026-05-18T08:01:00Z",
    ],
    ["nothing known: taken as UTC", null, "2026-05-18T10:01:00", "2026-05-18T10:01:00Z"],
  ])("%s", (_name, tz, local, utc) => {
    expect(utcOf(local, tz)).toBe(utc);
  });

  test("says which basis it used", () => {
    expect(localToUtc(0, westEuropeTimeZone()).basis).toBe("zone-rules");
    expect(localToUtc(0, { ...UTC, bias: null }).basis).toBe("active-bias");
    expect(localToUtc(0, null).basis).toBe("assumed-utc");
  });
});

describe("parseSetupApiLog", () => {
  test("the sample story's log gives the sample installs (local W. Europe times converted, DST included)", () => {
    expect(parseSetupApiLog(sampleSetupApiLogText(), westEuropeTimeZone())).toEqual(
      sampleDriverInstalls(),
    );
  });

  test("the same log read without a time zone is an hour off in winter and two in summer", () => {
    const times = parseSetupApiLog(sampleSetupApiLogText(), null).map((i) => i.timeUtc);
    expect(times).toEqual(["2026-03-02T12:40:00Z", "2026-05-18T10:01:00Z", "2026-11-27T23:05:10Z"]);
  });

  test("a hardware-initiated install that selects a published driver", () => {
    const text = section(
      "Device Install (Hardware initiated) - PCI\\VEN_15B3&DEV_1016&SUBSYS_019015B3&REV_80\\5&2b8e2d4e&0&0",
      "2026/11/20 08:15:02.911",
      [
        "     ump: Creating Install Process: DrvInst.exe 08:15:02.913",
        "     dvi:      Selected Driver:",
        "     dvi:           Description - Contoso ConnectX-4 Lx Virtual Adapter",
        "     dvi:           Inf Name    - oem12.inf",
        "     dvi:           Driver Date - 09/01/2026",
        "!    dvi:      Device pending start: Device has problem: 0x38 (CM_PROB_NEED_CLASS_CONFIG), problem status: 0x00000000.",
        "     flq:      Copying 'C:\\Windows\\System32\\DriverStore\\FileRepository\\mlx5.inf_amd64_9a8b7c6d5e4f3a2b\\mlx5.sys' to 'C:\\Windows\\System32\\drivers\\mlx5.sys'.",
        "     flq:      Copying 'C:\\Windows\\System32\\DriverStore\\FileRepository\\mlx5.inf_amd64_9a8b7c6d5e4f3a2b\\mlx5muxp.dll' to 'C:\\Windows\\System32\\mlx5muxp.dll'.",
      ],
    );
    expect(parseSetupApiLog(text, UTC)).toEqual([
      {
        timeUtc: "2026-11-20T08:15:02Z",
        subject:
          "Device Install (Hardware initiated) - PCI\\VEN_15B3&DEV_1016&SUBSYS_019015B3&REV_80\\5&2b8e2d4e&0&0",
        publishedInf: "oem12.inf",
        originalInf: "mlx5.inf",
        files: ["mlx5.sys", "mlx5muxp.dll"],
        exitStatus: "SUCCESS",
      },
    ]);
  });

  test("the line that states the published INF wins over an INF merely mentioned before it", () => {
    const text = section(
      "Device Install (DiInstallDevice) - ROOT\\NET\\0000",
      "2026/11/20 08:15:02",
      [
        "     dvi:      Ranking driver oem3.inf (not selected)",
        "     sto:      Driver package already imported as 'oem44.inf'.",
      ],
    );
    expect(parseSetupApiLog(text, UTC)[0].publishedInf).toBe("oem44.inf");
  });

  test("an INF path in the header names the original INF when there is no DriverStore path", () => {
    const text = section(
      "Setup Import Driver Package - C:\\Drivers\\Contoso\\cxraid.inf",
      "2026/11/20 08:15:02",
      ["     inf:      Published Inf Path: C:\\Windows\\INF\\oem43.inf"],
    );
    expect(parseSetupApiLog(text, UTC)[0]).toMatchObject({
      publishedInf: "oem43.inf",
      originalInf: "cxraid.inf",
      files: [],
    });
  });

  test("Windows 7 DriverStore names (…_neutral_<hash>) and the old {Copy File} form", () => {
    const text = section(
      "Device Install (Hardware initiated) - PCI\\VEN_8086&DEV_10D3",
      "2012/02/08 20:55:17.486",
      [
        "     dvi:           Inf Name - oem5.inf",
        "     inf:      Opened INF: 'C:\\Windows\\System32\\DriverStore\\FileRepository\\e1q62x64.inf_amd64_neutral_3c8a1e5d1a6d5a53\\e1q62x64.inf' ([strings])",
        "     {Copy File: C:\\Windows\\system32\\DRIVERS\\e1q62x64.sys}",
      ],
    );
    expect(parseSetupApiLog(text, UTC)[0]).toMatchObject({
      publishedInf: "oem5.inf",
      originalInf: "e1q62x64.inf",
      files: ["e1q62x64.sys"],
    });
  });

  test("a failed section keeps its status (FAILURE(0xe0000203) → FAILURE)", () => {
    expect(
      parseSetupApiLog(
        cxImport().replace("Exit status: SUCCESS", "Exit status: FAILURE(0xe0000203)"),
        UTC,
      )[0].exitStatus,
    ).toBe("FAILURE");
  });

  test("sections without a package or files, without a readable start time, or removing a package are not installs", () => {
    const text = [
      section(
        "Device Install (Hardware initiated) - SWD\\PRINTENUM\\{0a1b}",
        "2026/11/20 08:15:02",
        ["!    dvi:      Selecting driver failed(0xe0000228)"],
        "FAILURE(0xe0000228)",
      ),
      section("Setup Import Driver Package - C:\\x\\cxnetmon.inf", "2026/13/40 25:61:00", [
        "     inf:      Published Inf Path: C:\\Windows\\INF\\oem42.inf",
      ]),
      [
        ">>>  [Setup Import Driver Package - C:\\y\\y.inf]",
        "     inf:      Published Inf Path: C:\\Windows\\INF\\oem50.inf",
        "<<<  [Exit status: SUCCESS]",
        "",
      ].join("\r\n"),
      section("Delete Driver Package - oem42.inf", "2026/11/28 09:00:00", [
        "     idb:      Unpublished 'cxnetmon.inf_amd64_3f2a9c1d7b6e4a05\\cxnetmon.inf' from 'oem42.inf'.",
      ]),
      cxImport(),
    ].join("");
    expect(parseSetupApiLog(text, UTC).map((i) => i.timeUtc)).toEqual(["2026-11-27T23:05:10Z"]);
  });

  test("a section cut off by the end of the text is kept without an exit status", () => {
    const text =
      cxImport() +
      section(
        "Setup Import Driver Package - C:\\Temp\\cx2\\cxnetmon.inf",
        "2026/11/28 07:00:00",
        [
          "     inf:      Published Inf Path: C:\\Windows\\INF\\oem45.inf",
          "     sto:           Copying 'C:\\Temp\\cx2\\cxnet",
        ],
        null,
      );
    const parsed = parseSetupApiLog(text, UTC);
    expect(parsed.map((i) => [i.publishedInf, i.exitStatus])).toEqual([
      ["oem42.inf", "SUCCESS"],
      ["oem45.inf", null],
    ]);
  });

  test("a tail that starts inside a section ignores everything before the first header", () => {
    const whole = cxImport("2026/11/26 10:00:00") + cxImport().replace(/oem42/g, "oem43");
    const cut = whole.slice(whole.indexOf("Published 'cxnetmon") - 7);
    expect(parseSetupApiLog(cut, UTC, { truncated: true }).map((i) => i.publishedInf)).toEqual([
      "oem43.inf",
    ]);
    // a cut at the very start of a header line: the first line counts as partial and is dropped
    const atHeader = whole.slice(whole.lastIndexOf(">>>  [Setup"));
    expect(parseSetupApiLog(atHeader, UTC, { truncated: true })).toEqual([]);
    expect(parseSetupApiLog(atHeader, UTC).map((i) => i.publishedInf)).toEqual(["oem43.inf"]);
  });

  test("garbage, NUL padding after a crash, a BOM and LF-only line ends do not break it", () => {
    const text = `\uFEFF${"\u0000".repeat(64)}\n::: not a log :::\n${cxImport().replace(/\r\n/g, "\n")}${"\u0000".repeat(512)}`;
    expect(parseSetupApiLog(text, UTC)).toHaveLength(1);
    expect(parseSetupApiLog("", UTC)).toEqual([]);
  });

  test("a file copied twice is listed once", () => {
    const text = section(
      "Device Install (DiInstallDevice) - ROOT\\NET\\0000",
      "2026/11/20 08:15:02",
      [
        "     flq:      Copying 'C:\\a\\cxnetmon.sys' to 'C:\\Windows\\System32\\drivers\\cxnetmon.sys'.",
        "     flq:      Copying 'C:\\b\\CXNETMON.SYS' to 'C:\\Windows\\System32\\drivers\\CXNETMON.SYS'.",
      ],
    );
    expect(parseSetupApiLog(text, UTC)[0].files).toEqual(["cxnetmon.sys"]);
  });
});

describe("driverInstallsOf (what parseCollectOutput derives)", () => {
  test("parses the shipped log with the shipped time zone", () => {
    expect(
      driverInstallsOf({ setupApiLog: sampleSetupApiLog(), timeZone: westEuropeTimeZone() }),
    ).toEqual(sampleDriverInstalls());
  });

  test("a tail (offset > 0) drops its partial first line", () => {
    const text = `ion start 2026/11/26 10:00:00\r\n${cxImport()}`;
    const log = { ...sampleSetupApiLog(), text, offset: 4096, truncated: true };
    expect(
      driverInstallsOf({ setupApiLog: log, timeZone: UTC }).map((i) => i.publishedInf),
    ).toEqual(["oem42.inf"]);
  });

  test("no log → no installs; a collect.ps1 1.0 document keeps its own list", () => {
    expect(
      driverInstallsOf({
        setupApiLog: null,
        timeZone: null,
        driverInstalls: sampleDriverInstalls(),
      }),
    ).toEqual([]);
    expect(driverInstallsOf({ driverInstalls: sampleDriverInstalls() })).toEqual(
      sampleDriverInstalls(),
    );
  });
});
