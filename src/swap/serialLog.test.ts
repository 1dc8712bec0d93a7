/** The serial log's baseline, what a log gained past it, and the bug-check lines in it. */
import { findBugCheck, newSerialText, serialBaseline } from "./serialLog";

const OLD_CRASH =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x1000007E"</VALUE></PROPERTY></INSTANCE>\r\n';
const GOOD_BOOT = "Boot\r\nComputer is booting, SAC started and initialized.\r\n";

describe("newSerialText", () => {
  const base = serialBaseline(OLD_CRASH);
  test("no baseline or no log: the whole log", () => {
    expect(newSerialText(OLD_CRASH, null)).toBe(OLD_CRASH);
    expect(newSerialText(OLD_CRASH, undefined)).toBe(OLD_CRASH);
    expect(newSerialText(null, base)).toBeNull();
  });
  test("a log that still starts with the recorded text: only what follows", () => {
    expect(newSerialText(OLD_CRASH + GOOD_BOOT, base)).toBe(GOOD_BOOT);
    expect(newSerialText(OLD_CRASH, base)).toBe("");
  });
  test("shorter than the baseline (reset) or starting differently (rotated): the whole log", () => {
    expect(newSerialText(GOOD_BOOT.slice(0, 10), base)).toBe(GOOD_BOOT.slice(0, 10));
    const rotated = OLD_CRASH.replace("0x1000007E", "0x0000007B") + GOOD_BOOT;
    expect(newSerialText(rotated, base)).toBe(rotated);
  });
  test("a console that returns only its latest window (EC2: 64 KB) and scrolled: the text after the recorded tail", () => {
    const window = (text: string) => text.slice(-64 * 1024);
    let loop = "";
    for (let i = 0; loop.length < 90_000; i++)
      loop += `boot attempt ${i}\r\n*** STOP: 0x1000007E (0xFFFFFFFFC0000005,0xFFFFF8051235A2B4,0x0,0x0)\r\n`;
    const before = window(loop);
    const after = window(loop + GOOD_BOOT);
    expect(after.startsWith(before)).toBe(false);
    const fresh = newSerialText(after, serialBaseline(before));
    expect(fresh).toBe(GOOD_BOOT);
    expect(findBugCheck(fresh)).toBeNull();
    // a baseline recorded before tails existed cannot find its place: all of it counts (a false re-crash, never a missed one)
    const { tail: _tail, ...old } = serialBaseline(before)!;
    expect(newSerialText(after, old)).toBe(after);
  });
  test("serialBaseline records length and SHA-256", () => {
    expect(serialBaseline("abc")).toEqual({
      length: 3,
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      tail: "abc",
    });
    expect(serialBaseline(null)).toBeNull();
  });
});

describe("findBugCheck", () => {
  test.each([
    [
      '<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x7E"</VALUE>',
      true,
    ],
    ["*** STOP: 0x0000007B (0xFFFFF880009A9928,0xFFFFFFFFC0000034,0x0,0x0)", true],
    ["The computer has rebooted from a bugcheck.  The bugcheck was: 0x0000007e", true],
    ["Computer is booting, SAC started and initialized.", false],
    ["", false],
  ])("%s → %s", (log, found) => {
    expect(findBugCheck(`Boot\r\n${log}\r\n`) !== null).toBe(found);
  });
  test("no log, no bug check", () => expect(findBugCheck(null)).toBeNull());
});
