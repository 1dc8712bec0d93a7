/**
 * What the engine said when an operation failed, as one line. The Automation API's CommandError
 * prints as `code: 255\n stdout: …` and wraps the real text (execa's "Command failed with exit
 * code …" header, then the CLI's stderr and stdout); the engine's own reason is an `error:` line
 * there or an error diagnostic in the event stream (plugin load failures, a missing passphrase, a
 * stack lock, a failing resource). {@link EngineError} carries that line and what kind of failure
 * it was, so the caller can offer the right next step.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** The first non-empty line of an error's message (no stack traces on the terminal). */
export function firstLine(e: unknown): string {
  return (
    (e instanceof Error ? e.message : String(e))
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}

/** Pulumi's colour markup (`<{%reset%}>`) and ANSI escapes removed. */
function plain(text: string): string {
  return text.replace(/<\{%[^%]*%\}>/g, "").replace(/\x1b\[[0-9;]*m/g, "");
}

function lines(text: string | undefined): string[] {
  return plain(text ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** An error diagnostic of the event stream as one line (`<resource>: <message>` when it has one). */
export function errorDiagnostic(e: EngineEvent): string | null {
  const d = e.diagnosticEvent;
  if (!d || d.severity !== "error") return null;
  const all = lines(d.message);
  // A program that throws: the runner's header line, then the exception's own line.
  const first = /^Running program .* failed with an unhandled exception:?$/.test(all[0] ?? "")
    ? (all[1] ?? all[0])
    : all[0];
  if (!first) return null;
  const text = first.replace(/^error: /, "");
  const urn = d.urn ?? "";
  const name = urn.slice(urn.lastIndexOf("::") + 2);
  return urn && !urn.includes("pulumi:pulumi:Stack") && name ? `${name}: ${text}` : text;
}

/** execa's own lines around the CLI's output, which say nothing about the failure. */
const WRAPPER =
  /^(Command failed with exit code|Command was killed with|Command failed with [A-Z]+|code: -?\d+$|stdout:|stderr:|err\?:|Error: Command failed)/;

/**
 * The engine's own first line: an error diagnostic without a resource, else one with a resource,
 * else the first `error:` line of stderr, then of stdout, else stderr's first line, else the
 * error's own first line.
 */
export function engineMessage(e: unknown, diagnostics: string[] = []): string {
  if (diagnostics.length > 0) return diagnostics.find((d) => !/^[^ ]+: /.test(d)) ?? diagnostics[0];
  const r = (e as { commandResult?: { stderr?: string; stdout?: string } } | null)?.commandResult;
  if (r) {
    const err = lines(r.stderr).filter((l) => !WRAPPER.test(l));
    const out = lines(r.stdout);
    const marked = [...err, ...out].find((l) => /^error: /.test(l));
    if (marked) return marked.replace(/^error: /, "");
    if (err[0]) return err[0];
  }
  return firstLine(e);
}

/** How an engine operation failed: `locked` a lock or pending operations; `canceled` Ctrl-C. */
export type EngineFailure = "failed" | "locked" | "canceled";

const LOCKED =
  /pending operations?|currently locked|Another update is currently in progress|locked by|ConcurrentUpdateError/i;

/** An engine operation that failed, with the engine's own first line as message. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly kind: EngineFailure,
  ) {
    super(message);
    this.name = "EngineError";
  }

  static from(e: unknown, diagnostics: string[] = [], aborted = false): EngineError {
    if (e instanceof EngineError) return e;
    const message = engineMessage(e, diagnostics);
    const r = (e as { commandResult?: { stderr?: string; stdout?: string } } | null)?.commandResult;
    const all = `${(e as Error)?.name ?? ""} ${message} ${r?.stderr ?? ""} ${diagnostics.join(" ")}`;
    const kind: EngineFailure =
      aborted || /\bcancel+ed\b/i.test(message)
        ? "canceled"
        : LOCKED.test(all)
          ? "locked"
          : "failed";
    return new EngineError(message, kind);
  }
}
