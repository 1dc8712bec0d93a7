import { EventEmitter } from "node:events";
import { interruptible } from "./signals";

function ctx(isTty: boolean) {
  const err: string[] = [];
  return {
    err,
    ctx: {
      io: { isTty, out: () => undefined, err: (t: string) => err.push(t) },
      setExit: () => undefined,
    },
  };
}

test("off a terminal the first signal aborts the operation's signal; later ones only print", async () => {
  const source = new EventEmitter();
  const { err, ctx: c } = ctx(false);
  const aborted = await interruptible(
    c,
    "the rescue",
    async (signal) => {
      source.emit("SIGTERM", "SIGTERM");
      const first = signal.aborted;
      source.emit("SIGINT", "SIGINT");
      return first;
    },
    source,
  );
  expect(aborted).toBe(true);
  expect(err).toEqual([
    expect.stringMatching(/^SIGTERM: stopping the rescue after the steps in flight/),
    expect.stringMatching(/^SIGINT again: still stopping the rescue/),
  ]);
  expect(source.listenerCount("SIGINT") + source.listenerCount("SIGTERM")).toBe(0);
});

test("on a terminal the keyboard's Ctrl-C already reached the engine: no second SIGINT is sent", async () => {
  const source = new EventEmitter();
  const { err, ctx: c } = ctx(true);
  const aborted = await interruptible(
    c,
    "the rescue",
    async (signal) => {
      source.emit("SIGINT", "SIGINT");
      source.emit("SIGINT", "SIGINT");
      return signal.aborted;
    },
    source,
  );
  expect(aborted).toBe(false);
  expect(err[1]).toMatch(/^SIGINT again: pulumi stops at once/);
});

test("`stopping` aborts on the first signal on a terminal too (a fleet starts no further rescue)", async () => {
  const source = new EventEmitter();
  const { ctx: c } = ctx(true);
  const seen = await interruptible(
    c,
    "the fleet",
    async (signal, stopping) => {
      source.emit("SIGINT", "SIGINT");
      return [signal.aborted, stopping.aborted];
    },
    source,
  );
  expect(seen).toEqual([false, true]);
});
