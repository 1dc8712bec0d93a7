/**
 * The one error type of the planning layer. Every rejection (an invalid operator option, an action
 * whose preconditions are not met, a VM that cannot be rescued, a malformed latency model) is a
 * `PlanError` with a stable machine-readable `code` and a message a person can act on.
 */
/** The last PlanErrors made, to find the one a library's wrapped error quotes. */
const recentPlanErrors: PlanError[] = [];

export class PlanError extends Error {
  /** Stable identifier, e.g. "unknown-driver", "boot-critical-refused", "dag-cycle". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "PlanError";
    this.code = code;
    Object.setPrototypeOf(this, new.target.prototype);
    recentPlanErrors.push(this);
    if (recentPlanErrors.length > 16) recentPlanErrors.shift();
  }
}

/** True when `e` is a {@link PlanError} (optionally with the given code). */
export function isPlanError(e: unknown, code?: string): e is PlanError {
  return e instanceof PlanError && (code === undefined || e.code === code);
}

/**
 * Messages of refused plans already reported. A refusal thrown inside a resource's mock also
 * leaves Pulumi's registration promise rejected, quoting it; that rejection is the same refusal,
 * not a second failure.
 */
export const reportedRefusals = new Set<string>();

/** True when `e` is a library's rejection that only repeats a refusal already reported. */
export function repeatsReportedRefusal(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  for (const r of reportedRefusals) if (message.includes(r)) return true;
  return false;
}

/**
 * The PlanError a library's error quotes, or null: Pulumi wraps an error thrown while it
 * serializes or registers a resource in its own text, losing the class.
 */
export function planErrorQuotedBy(e: unknown): PlanError | null {
  const message = e instanceof Error ? e.message : String(e);
  // the innermost: a wrapper may itself be a PlanError quoting the one that refused
  let found: PlanError | null = null;
  for (const p of recentPlanErrors)
    if (message.includes(p.message) && (found === null || p.message.length < found.message.length))
      found = p;
  return found;
}
