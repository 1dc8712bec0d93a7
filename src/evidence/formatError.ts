/**
 * The one error of the evidence readers: bytes from the broken disk that do not parse as the format
 * says (a truncated file, a bad checksum, a crafted offset, a cycle, a count past a limit). The
 * message is one line that names the file's format, the structure and the offset or field; `code`
 * is stable for tests and for the CLI, which prints the message and exits 2.
 */
export class FormatError extends Error {
  /** Stable identifier, e.g. "regf-bad-signature", "evtx-chunk-crc", "ntfs-runlist-loop". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "FormatError";
    this.code = code;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** True when `e` is a {@link FormatError} (optionally with the given code). */
export function isFormatError(e: unknown, code?: string): e is FormatError {
  return e instanceof FormatError && (code === undefined || e.code === code);
}
