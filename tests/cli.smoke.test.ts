import { main, Io } from "../src/cli/main";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

test("an unknown subcommand is a usage error (exit 2, one line on stderr)", async () => {
  const io = captureIo();
  expect(await main(["no-such-command"], io)).toBe(2);
  expect(io.stderr.join("").trimEnd().split("\n")).toEqual([
    "vm-rescue: unknown command 'no-such-command'",
  ]);
});

test("--help exits 0 and lists the subcommands", async () => {
  const io = captureIo();
  expect(await main(["--help"], io)).toBe(0);
  expect(io.stdout.join("")).toMatch(/Usage: vm-rescue/);
  expect(io.stdout.join("")).toMatch(/^ {2}fleet \[options\] \[file\]/m);
  expect(io.stderr).toEqual([]);
});

test("no command: one line saying how to list the commands, exit 2", async () => {
  const io = captureIo();
  expect(await main([], io)).toBe(2);
  expect(io.stdout).toEqual([]);
  expect(io.stderr.join("").trimEnd().split("\n")).toEqual([
    "vm-rescue: no command given; run `vm-rescue --help` for the commands",
  ]);
});
