/**
 * The one error type of the planning layer. Every rejection (an invalid operator option, an action
 * whose preconditions are not met, a VM that cannot be rescued, a malformed latency model) is a
 * `PlanError` with a stable machine-readable `code` and a message a person can act on.
 */
export class PlanError extends Error {
  /** Stable identifier, e.g. "unknown-driver", "boot-critical-refused", "dag-cycle". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "PlanError";
    this.code = code;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** True when `e` is a {@link PlanError} (optionally with the given code). */
export function isPlanError(e: unknown, code?: string): e is PlanError {
  return e instanceof PlanError && (code === undefined || e.code === code);
}
