/** The console baseline the swap and the rollback record, and the verification past it, against a fake EC2. */
import { createHash } from "node:crypto";
import { rootSwapStep } from "./swap";
import { verifyStep } from "./bootVerification";
import { rollbackStep } from "./rollback";
import { base, open, world } from "../../../tests/helpers/ec2World";

describe("console baseline: only what the console shows after the start counts", () => {
  const swap = {
    ...base,
    instanceId: "i-broken",
    rootDeviceName: "/dev/sda1",
    volumeId: "vol-copy",
    helperInstanceId: "i-helper",
    deleteOnTermination: true,
    gate: open,
    reattachWhenClosed: false,
  };
  const verify = {
    ...base,
    instanceId: "i-broken",
    rollbackVolumeId: "vol-orig",
    swapped: true,
    swapReason: "",
    finalState: "running" as const,
  };
  const OLD_CRASH = "Boot\n*** STOP: 0x1000007E (0xFFFFFFFFC0000005, ...)\n";
  const sha = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

  test("the swap records the console before the start: the original's stop error does not count against the repaired copy", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH;
    w.hooks.onStart = "Windows is Ready to use\n";
    const out = await rootSwapStep(w.ctx, swap);
    expect(out.consoleBaseline).toEqual({
      length: OLD_CRASH.length,
      sha256: sha(OLD_CRASH),
      tail: OLD_CRASH,
    });
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
    // Without the baseline the same console reads as a re-crash: the baseline is what makes the difference.
    await expect(verifyStep(w.ctx, { ...verify, consoleBaseline: null })).rejects.toThrow(
      /stop error again/,
    );
  });

  test("a stop error written after the baseline counts", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH;
    w.hooks.onStart = "*** STOP: 0x0000007B\n";
    const out = await rootSwapStep(w.ctx, swap);
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again \(STOP: 0x0000007B\)/);
  });

  test("a console reset by the start (shorter than the baseline, or starting differently) counts in full", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH + OLD_CRASH;
    const out = await rootSwapStep(w.ctx, swap);
    w.hooks.console = OLD_CRASH; // shorter: reset, and the new boot crashed
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again/);
    w.hooks.console = "Boot\nWindows is Ready to use\n";
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
    w.hooks.console = "X" + OLD_CRASH + OLD_CRASH; // as long, but not the recorded text: all of it is new
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again/);
  });

  test("the rollback records it too: the copy's stop error does not count against the original", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    w.hooks.console = OLD_CRASH; // the repaired copy crashed
    w.hooks.onStart = "Windows is Ready to use\n";
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb.consoleBaseline).toEqual({
      length: OLD_CRASH.length,
      sha256: sha(OLD_CRASH),
      tail: OLD_CRASH,
    });
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: rb.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
  });

  test("an unreadable console before the start: no baseline, the whole output counts", async () => {
    const w = world();
    const send = w.ctx.ec2.send.bind(w.ctx.ec2);
    w.ctx.ec2 = {
      send: async (c: any) =>
        c.constructor.name === "GetConsoleOutputCommand" &&
        w.instances["i-broken"].state !== "running"
          ? Promise.reject(new Error("throttled"))
          : send(c),
    };
    const out = await rootSwapStep(w.ctx, swap);
    expect(out).toMatchObject({ swapped: true, consoleBaseline: null });
  });
});
