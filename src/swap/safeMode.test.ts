import {
  judgeNormalBoot,
  judgeSafeModeBoot,
  planBootVerification,
  verifiedBootLine,
} from "./safeMode";

const SAC = "Boot\r\nComputer is booting, SAC started and initialized.\r\n";
const BSOD =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE">0x7E</PROPERTY>\r\n';

describe("the boots to verify", () => {
  test("no safe mode: one normal boot", () => {
    expect(planBootVerification([{ action: "DisableDriver" }]).phases).toEqual([
      { phase: "boot", boot: "normal" },
    ]);
  });

  test("safe mode set: a safe-mode boot, the revert, a normal boot (auto-revert by default)", () => {
    const p = planBootVerification([{ action: "SetSafeBoot", args: { mode: "network" } }]);
    expect(p.phases.map((x) => (x.phase === "boot" ? x.boot : x.phase))).toEqual([
      "safe-mode",
      "revert",
      "normal",
    ]);
    expect(p.phases[0]).toMatchObject({ mode: "network" });
    expect(p.leftForPerson).toEqual([]);
  });

  test("without auto-revert the plan says exactly what is left for a person", () => {
    const p = planBootVerification([{ action: "SetSafeBoot", args: { mode: "minimal" } }], {
      autoRevert: false,
    });
    expect(p.phases).toHaveLength(1);
    expect(p.leftForPerson.join(" ")).toMatch(/bcdedit \/deletevalue \{default\} safeboot/);
  });
});

describe("how a safe-mode boot is judged", () => {
  test("running, no new bug check, no guest agent: verified, with SAC's banner as evidence", () => {
    const j = judgeSafeModeBoot({
      powerState: "running",
      agentStatus: "Not Ready",
      newSerialText: SAC,
    });
    expect(j.verdict).toBe(true);
    expect(j.evidence.join("\n")).toMatch(/SAC started/);
  });

  test("a Ready guest agent means a normal boot: safeboot did not take", () => {
    expect(
      judgeSafeModeBoot({ powerState: "running", agentStatus: "Ready", newSerialText: SAC })
        .verdict,
    ).toBe(false);
  });

  test("a new bug check fails either boot; a VM not running yet is no verdict", () => {
    const crashed = { powerState: "running", agentStatus: null, newSerialText: BSOD };
    expect(judgeSafeModeBoot(crashed).verdict).toBe(false);
    expect(judgeNormalBoot(crashed).verdict).toBe(false);
    const starting = { powerState: "starting", agentStatus: null, newSerialText: null };
    expect(judgeSafeModeBoot(starting).verdict).toBeNull();
    expect(judgeNormalBoot(starting).verdict).toBeNull();
  });

  test("the report's line says which boot was verified", () => {
    expect(verifiedBootLine(["safe-mode", "normal"], [])).toBe(
      "verified: a safe-mode boot, then safe mode reverted and a normal boot",
    );
    expect(verifiedBootLine(["safe-mode"], ["run x"])).toMatch(
      /safe-mode boot only.*left for a person: run x/,
    );
  });
});
