import { FormatError } from "../formatError";
import { printable } from "../printable";

/** `0x1a2b` for offsets and fields in messages. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/**
 * Text from the hive (names) or from the caller (a file label) made safe for a one-line message:
 * control characters, line and paragraph separators and bidi overrides become visible escapes, and
 * very long text is cut, so a crafted name can neither break the line nor reorder it on a terminal.
 */
export function visible(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return printable(cut);
}

/**
 * Names the structure an error is about ("subkey 3 of key \\Select"). Hot paths pass a function
 * so the text is only built when an error is actually thrown.
 */
export type What = string | (() => string);

export function describeWhat(what: What): string {
  return typeof what === "string" ? what : what();
}

/**
 * Builds the reader's FormatError: one line, `regf <label>: <what>: <detail>`, where `what`
 * names the structure and `detail` the offset or field and what is wrong with it.
 */
export function regfError(code: string, label: string, what: What, detail?: string): FormatError {
  const text = detail === undefined ? describeWhat(what) : `${describeWhat(what)}: ${detail}`;
  return new FormatError(code, `${regfPrefix(label)}${visible(text, MAX_MESSAGE)}`);
}

/** The `regf <label>: ` start of every message of this reader. */
export function regfPrefix(label: string): string {
  return label ? `regf ${visible(label)}: ` : "regf: ";
}

/** A message of this reader without its `regf <label>: ` start, to nest it in another. */
export function regfCause(message: string, label: string): string {
  const prefix = regfPrefix(label);
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** Longest message part a crafted name can stretch a message to. */
const MAX_MESSAGE = 400;
