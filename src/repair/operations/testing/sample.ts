/** A small compiled repair (one compare-and-set) for tests that only carry it. Test-only. */
import type { CompiledRepair } from "../types";

export const SAMPLE_OPERATIONS: CompiledRepair = {
  schemaVersion: 1,
  kind: "operationPlan",
  id: "0123456789abcdef",
  dryRun: false,
  controlSet: "ControlSet001",
  bootEntry: null,
  operations: [
    {
      phase: "registry",
      op: "setValue",
      action: "DisableDriver",
      target: "SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start",
      undo: { op: "setValue", value: { type: "REG_DWORD", data: 1 } },
      hive: "SYSTEM",
      key: "ControlSet001\\Services\\cxnetmon",
      name: "Start",
      expected: { type: "REG_DWORD", data: 1 },
      value: { type: "REG_DWORD", data: 4 },
    },
  ],
  notes: [],
};
