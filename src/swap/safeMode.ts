/**
 * Safe mode done right: when the repair sets safeboot on the disk, the boot after the swap is a
 * safe-mode boot and is judged as one (the VM runs, no new bug check, and the guest agent — a
 * service safe mode does not start — is not Ready); then safeboot is removed and a normal boot is
 * verified. Auto-revert is the default; without it the report says exactly what is left for a
 * person. Cloud-neutral and pure: the clouds' boot verification runs the phases this plans.
 *
 * Sources: guest-drivers-and-incidents.md §4.2 (Microsoft's "Recover from Safe Mode" path; the
 * safeboot value is removed afterwards), azure-rescue.md (serial console / SAC to reach a VM whose
 * agent is down).
 */
import { findBugCheck } from "./serialLog";

export type BootKind = "normal" | "safe-mode";

/** One phase of the verification after the swap. */
export type BootPhase =
  | { phase: "boot"; boot: BootKind; mode?: "minimal" | "network" }
  | { phase: "revert"; how: string };

export interface BootVerificationPlan {
  phases: BootPhase[];
  /** Safe mode is reverted by the rescue (default) or left for a person. */
  autoRevert: boolean;
  /** What a person must still do, with the exact commands (empty when nothing is left). */
  leftForPerson: string[];
}

/** The commands that take a VM out of safe mode from its serial console (SAC, EMS on). */
export const SAC_REVERT = [
  "cmd",
  "ch -si 1",
  "bcdedit /deletevalue {default} safeboot",
  "shutdown /r /t 0",
];

/** How the rescue reverts safe mode: the safeboot value is deleted, then the VM restarts. */
export const REVERT_HOW =
  "delete safeboot from the default boot entry (bcdedit /deletevalue {default} safeboot), then restart";

/** The boots to verify after the swap, from the plan's actions. */
export function planBootVerification(
  actions: readonly { action: string; args?: unknown }[],
  opts: { autoRevert?: boolean } = {},
): BootVerificationPlan {
  const safe = actions.find((a) => a.action === "SetSafeBoot");
  const autoRevert = opts.autoRevert !== false;
  if (!safe) return { phases: [{ phase: "boot", boot: "normal" }], autoRevert, leftForPerson: [] };
  const mode = (safe.args as { mode?: "minimal" | "network" } | undefined)?.mode ?? "minimal";
  const first: BootPhase = { phase: "boot", boot: "safe-mode", mode };
  if (autoRevert)
    return {
      phases: [first, { phase: "revert", how: REVERT_HOW }, { phase: "boot", boot: "normal" }],
      autoRevert,
      leftForPerson: [],
    };
  return { phases: [first], autoRevert, leftForPerson: leftInSafeMode() };
}

/** What a person must do when the VM stays in safe mode. */
export function leftInSafeMode(): string[] {
  return [
    `The VM boots in safe mode until safeboot is removed: in its serial console run ${SAC_REVERT.map((c) => `\`${c}\``).join(", ")}`,
    "Then check that the VM boots normally (guest agent Ready, no new bug check); if it crashes, roll back",
  ];
}

/** What a check saw of the VM. */
export interface BootObservation {
  powerState: string | null;
  agentStatus: string | null;
  /** The serial-console text written since the boot began (null when unreadable). */
  newSerialText: string | null;
}

export interface BootJudgement {
  /** true: this boot is verified; false: it failed (bug check); null: not yet. */
  verdict: boolean | null;
  boot: BootKind;
  /** Why, one line each. */
  evidence: string[];
}

/**
 * A safe-mode boot, judged over the polls: a first look at a VM that runs without a Ready agent
 * cannot tell safe mode from a normal boot still starting (the agent reports late) or a crash
 * still to come. Any poll can fail it: a new bug check, or a Ready guest agent (safe mode starts
 * none, so safeboot did not take). It is confirmed when the platform reports the agent down
 * ("Not Ready") while Windows' SAC is up on the serial console (EMS is on in every repair); else,
 * at the deadline (`final`), when the VM ran for the whole window and the agent never got Ready.
 */
export function judgeSafeModeBoot(o: BootObservation, final = false): BootJudgement {
  const bugCheck = findBugCheck(o.newSerialText);
  if (bugCheck)
    return { verdict: false, boot: "safe-mode", evidence: [`new bug check: ${bugCheck}`] };
  if (o.agentStatus === "Ready")
    return {
      verdict: false,
      boot: "safe-mode",
      evidence: [
        "the guest agent is Ready: the VM booted normally, not in safe mode (safeboot did not take)",
      ],
    };
  if (o.powerState !== "running")
    return {
      verdict: null,
      boot: "safe-mode",
      evidence: [`power state ${o.powerState ?? "unknown"}`],
    };
  const sac = (o.newSerialText ?? "")
    .split(/\r?\n/)
    .find((l) =>
      /SAC started|Special Administration Console|EVENT: The CMD command is now available/i.test(l),
    );
  const agentDown = o.agentStatus !== null;
  if (agentDown && sac)
    return {
      verdict: true,
      boot: "safe-mode",
      evidence: [
        `running, no new bug check, guest agent ${o.agentStatus} (safe mode starts none)`,
        `serial console: ${sac.trim()}`,
      ],
    };
  if (final)
    return {
      verdict: true,
      boot: "safe-mode",
      evidence: [
        `running for the whole window, no new bug check, guest agent never Ready (${o.agentStatus ?? "not reporting"}): safe mode starts none`,
        ...(sac ? [`serial console: ${sac.trim()}`] : ["no SAC banner on the serial console"]),
      ],
    };
  return {
    verdict: null,
    boot: "safe-mode",
    evidence: [
      `running, guest agent ${o.agentStatus ?? "not reporting"}${sac ? "" : ", no SAC banner yet"}: not yet told from a normal boot still starting`,
    ],
  };
}

/** A normal boot: running with the guest agent Ready and no new bug check. */
export function judgeNormalBoot(o: BootObservation): BootJudgement {
  const bugCheck = findBugCheck(o.newSerialText);
  if (bugCheck) return { verdict: false, boot: "normal", evidence: [`new bug check: ${bugCheck}`] };
  if (o.powerState === "running" && o.agentStatus === "Ready")
    return {
      verdict: true,
      boot: "normal",
      evidence: ["running, guest agent Ready, no new bug check"],
    };
  return {
    verdict: null,
    boot: "normal",
    evidence: [
      `power state ${o.powerState ?? "unknown"}, guest agent ${o.agentStatus ?? "not reporting"}`,
    ],
  };
}

/** Which boots were verified, in order ("safe-mode", then "normal" after the revert). */
export type VerifiedBoots = BootKind[];

/** One line for the report: which boot was verified and what is left. */
export function verifiedBootLine(
  verified: VerifiedBoots,
  leftForPerson: readonly string[],
): string {
  if (verified.length === 0) return "no boot verified";
  const said =
    verified.join(",") === "safe-mode,normal"
      ? "a safe-mode boot, then safe mode reverted and a normal boot"
      : verified.join(",") === "safe-mode"
        ? "a safe-mode boot only (the VM is still in safe mode)"
        : "a normal boot";
  return `verified: ${said}${leftForPerson.length > 0 ? `; left for a person: ${leftForPerson.join("; ")}` : ""}`;
}
