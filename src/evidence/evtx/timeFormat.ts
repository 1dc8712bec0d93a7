/**
 * Time renderings shared by the reader and the renderers. EVTX stores FILETIMEs (100 ns ticks
 * since 1601-01-01 UTC); JavaScript dates keep only milliseconds, so times are rendered as ISO 8601
 * strings with all seven fractional digits the format carries, which still sort and parse.
 */

/** FILETIME ticks between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF_TICKS = 116444736000000000n;
const TICKS_PER_SECOND = 10000000n;

/** A FILETIME as `YYYY-MM-DDThh:mm:ss.fffffffZ` (UTC, seven fractional digits). */
export function filetimeToIso(ticks: bigint): string {
  const fromUnix = ticks - EPOCH_DIFF_TICKS;
  let seconds = fromUnix / TICKS_PER_SECOND;
  let fraction = fromUnix % TICKS_PER_SECOND;
  if (fraction < 0n) {
    fraction += TICKS_PER_SECOND;
    seconds -= 1n;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString(); // ends in ".000Z"
  return `${whole.slice(0, -5)}.${fraction.toString().padStart(7, "0")}Z`;
}

/**
 * A SYSTEMTIME (eight little-endian u16: year, month, weekday, day, hour, minute, second, ms) as
 * `YYYY-MM-DDThh:mm:ss.mmmZ`. The fields are printed as stored, not validated: a crafted value
 * shows as the odd date it is rather than being silently normalised by Date.
 */
export function systemtimeToIso(bytes: Buffer): string {
  const f = (i: number, width: number) =>
    bytes
      .readUInt16LE(i * 2)
      .toString()
      .padStart(width, "0");
  return `${f(0, 4)}-${f(1, 2)}-${f(3, 2)}T${f(4, 2)}:${f(5, 2)}:${f(6, 2)}.${f(7, 3)}Z`;
}

/** Milliseconds since 1970 of an ISO time this module wrote (extra fractional digits ignored). */
export function isoToMillis(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return Date.parse(iso);
  const ms = (m[2] ?? "").slice(0, 3).padEnd(3, "0");
  return Date.parse(`${m[1]}.${ms}Z`);
}
