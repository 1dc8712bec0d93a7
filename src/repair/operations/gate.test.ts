import { gateAfterRepairCheck } from "./gate";

describe("the swap gate after the repair", () => {
  const open = { allowed: true, reasons: [] };

  it("stays as it was when the returned hives match the plan", () => {
    expect(gateAfterRepairCheck(open, { ok: true, checked: 3, differences: [] })).toBe(open);
  });

  it("closes on a difference and names it", () => {
    const gate = gateAfterRepairCheck(open, {
      ok: false,
      checked: 3,
      differences: [
        {
          where: "BCD {x} safeboot (25000080)",
          kind: "not applied",
          expected: "0",
          found: "(absent)",
        },
      ],
    });
    expect(gate.allowed).toBe(false);
    expect(gate.reasons).toEqual([
      expect.stringContaining(
        "BCD {x} safeboot (25000080): not applied, expected 0, found (absent)",
      ),
    ]);
  });
});
