/**
 * UserPnp 20001/20003 in the System log corroborate the culprit's install: they appear in the
 * culprit's evidence, and only those that name its service, file or package.
 */
import type { CollectOutput, EventFacts, ServiceFacts } from "../collect/contract";
import { describeCulprit, driverInstallEvents } from "./culprit";
import { sampleCollectOutput } from "../clouds/azure/sample";
import { parseCollectOutput } from "../collect/validate";

const pnp = (id: number, at: string, data: Record<string, string>): EventFacts => ({
  id,
  provider: "Microsoft-Windows-UserPnp",
  timeCreatedUtc: at,
  level: 4,
  data,
});

const service = { name: "cxnetmon", imagePath: "\\SystemRoot\\System32\\drivers\\cxnetmon.sys" };
const pkg = {
  timeUtc: "2026-11-28T07:05:10Z",
  subject: "oem42.inf",
  publishedInf: "oem42.inf",
  originalInf: "cxnetmon.inf",
  files: ["cxnetmon.sys"],
  exitStatus: "SUCCESS",
};
const events = [
  pnp(20001, "2026-11-28T07:05:12Z", {
    DriverName: "oem42.inf",
    DeviceInstanceID: "ROOT\\NET\\0001",
  }),
  pnp(20003, "2026-11-28T07:05:13Z", {
    ServiceName: "cxnetmon",
    DriverFileName: "\\SystemRoot\\System32\\drivers\\cxnetmon.sys",
    DeviceInstanceID: "ROOT\\NET\\0001",
  }),
  pnp(20003, "2026-11-28T07:06:00Z", { ServiceName: "other", DriverFileName: "other.sys" }),
  pnp(20001, "2026-11-28T07:06:01Z", { DriverName: "oem7.inf" }),
];

test("the UserPnp records of the culprit's install are cited, the others are not", () => {
  const lines = driverInstallEvents(events, "cxnetmon.sys", [service as ServiceFacts], [pkg]);
  expect(lines).toEqual([
    "event 20001 (UserPnp) at 2026-11-28T07:05:12Z: driver oem42.inf installed (device ROOT\\NET\\0001)",
    "event 20003 (UserPnp) at 2026-11-28T07:05:13Z: service cxnetmon added for \\SystemRoot\\System32\\drivers\\cxnetmon.sys (device ROOT\\NET\\0001)",
  ]);
  // Another provider's record with the same id is not UserPnp's.
  const other = events.map((e) => ({ ...e, provider: "Service Control Manager" }));
  expect(driverInstallEvents(other, "cxnetmon.sys", [service as ServiceFacts], [pkg])).toEqual([]);
});

test("the culprit's evidence carries them after setupapi's install", () => {
  const collect: CollectOutput = parseCollectOutput(sampleCollectOutput());
  collect.events = [...collect.events, ...events];
  const services = collect.services.filter((s) => s.name === "cxnetmon");
  const c = describeCulprit(collect, "cxnetmon.sys", services, false);
  const at = c.evidence.findIndex((l) => l.startsWith("setupapi: oem42.inf"));
  expect(at).toBeGreaterThanOrEqual(0);
  expect(c.evidence.slice(at + 1)).toEqual([
    expect.stringMatching(/^event 20001 \(UserPnp\) at 2026-11-28T07:05:12Z: driver oem42\.inf/),
    expect.stringMatching(/^event 20003 \(UserPnp\) at 2026-11-28T07:05:13Z: service cxnetmon/),
  ]);
});
