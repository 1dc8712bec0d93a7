/**
 * What one gRPC call of a step carries beyond the SDK's provider interface: the request's timeout
 * and, for Read, the recorded inputs. The SDK's server does not hand them to the provider, so the
 * gRPC hooks (`grpcHooks.ts`) put them in an async-local store around the SDK's own handler, and
 * the provider reads them from here inside the same call.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Props } from "./values";

export interface CallInfo {
  /** Seconds the engine allows the call (the resource's custom timeout); 0 when it gives none. */
  timeoutSeconds: number;
  /** Read: the inputs recorded in the state, returned unchanged (secrets still wrapped). */
  inputs?: Props;
}

export const currentCall = new AsyncLocalStorage<CallInfo>();

/** The running call's information, or an empty one outside a hooked call. */
export function callInfo(): CallInfo {
  return currentCall.getStore() ?? { timeoutSeconds: 0 };
}
