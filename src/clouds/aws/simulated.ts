/**
 * A simulated EC2 (with the SSM agent and the S3 output the steps read) for the offline rescue, the
 * provider plugin's tests and the steps' own tests. Its state is plain JSON ({@link Ec2State}),
 * kept in memory or in a file that is read at the start of each API call and written after it, so
 * a process killed between two calls leaves the cloud as far as it got, as the real one would.
 *
 * It answers as EC2 documents it: instance states pending → running → stopping → stopped, volume
 * states creating → available ⇄ in-use with attachments attaching → attached → detaching, snapshots
 * pending → completed; a root volume detaches only from a stopped instance (`IncorrectState`), a
 * volume in use cannot be attached again (`VolumeInUse`), an instance in the wrong state cannot be
 * started or stopped (`IncorrectInstanceState`), unknown ids are `Invalid….NotFound`. Snapshots
 * and volumes from them keep the source's encryption and KMS key. Time is the state's own clock:
 * `sleep` advances it, transitions complete when their time has come (durations from the latency
 * model). Faults (an API error, a process killed after the call reached the cloud, a call that
 * hangs until aborted) can be planted per operation.
 */
import { ec2Answer, settle } from "./simulatedEc2";
export { BOOTED_TEXT, BUGCHECK_TEXT } from "./simulatedEc2";
import { serviceAnswer, simulatedPresignedUrl } from "./simulatedServices";
import type { AwsApi, OpsContext } from "./operations";
import { SimulatedKill, apiError, type Ec2State, type Ec2Store } from "./simulatedState";

export * from "./simulatedState";

const opName = (command: object) =>
  (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, "");

const aborted = (signal?: AbortSignal) =>
  Object.assign(new Error(`the call was aborted: ${String(signal?.reason ?? "cancelled")}`), {
    name: "AbortError",
  });

/** One simulated API client over the store: load, fault, answer, save. */
function client(
  store: Ec2Store,
  answer: (s: Ec2State, op: string, input: any) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
  signal?: AbortSignal,
): AwsApi {
  return {
    async send(command: object) {
      if (signal?.aborted) throw aborted(signal);
      const op = opName(command);
      const input = (command as { input?: unknown }).input ?? {};
      const s = store.load();
      settle(s);
      const at = s.faults.findIndex((f) => f.op === op);
      let fault = at >= 0 ? s.faults[at] : undefined;
      if (fault && (fault.skip ?? 0) > 0) {
        fault.skip = (fault.skip ?? 0) - 1;
        fault = undefined;
      } else if (fault) s.faults.splice(at, 1);
      if (fault?.mode === "error") {
        store.save(s);
        throw apiError(fault.code ?? "InternalError", `simulated ${op} failure`);
      }
      let result: unknown;
      try {
        result = answer(s, op, input);
      } finally {
        store.save(s);
      }
      if (fault?.mode === "kill") throw new SimulatedKill(op);
      if (fault?.mode === "hang")
        await new Promise<never>((_, reject) => {
          if (!signal) return;
          if (signal.aborted) reject(aborted(signal));
          signal.addEventListener("abort", () => reject(aborted(signal)), { once: true });
        });
      return result;
    },
  };
}

/** An OpsContext against the simulated cloud: EC2, SSM and S3 clients and the state's clock. */
export function simulatedContext(
  store: Ec2Store,
  o: { signal?: AbortSignal; deadline?: number } = {},
): OpsContext {
  return {
    ec2: client(store, ec2Answer, o.signal),
    ssm: client(store, serviceAnswer, o.signal),
    s3: client(store, serviceAnswer, o.signal),
    now: () => store.load().clock,
    async sleep(ms) {
      if (o.signal?.aborted) throw aborted(o.signal);
      const s = store.load();
      s.clock += ms;
      settle(s);
      store.save(s);
    },
    pollMs: 5_000,
    // Presigning is local, as with the SDK: no call reaches the cloud.
    presignPut: async (bucket, key, expires) =>
      simulatedPresignedUrl(store.load(), bucket, key, expires),
    signal: o.signal,
    deadline: o.deadline,
  };
}
