/**
 * Hooks around the SDK's gRPC server for what `@pulumi/pulumi/provider`'s `main` leaves out
 * (3.248, `provider/server.js`):
 * - `Configure` answers without reading the request: the stack's provider configuration
 *   (credentials, `simulatedCloud`) would never reach the steps, which would then run as whatever
 *   identity the machine has (finding 10). The hook reads `args` (secrets kept) or `variables`.
 * - `Create`, `Update` and `Delete` drop the request's `timeout` (the resource's customTimeouts),
 *   and `Read` drops the recorded inputs. The hook runs the SDK's handler inside an async-local
 *   store that holds them (`calls.ts`), so the provider sees them within the same call.
 *
 * `main` builds its `grpc.Server` from the SDK's own `@grpc/grpc-js` and registers the
 * `ResourceProviderService` with `addService`; the hook wraps that one registration — on the very
 * module instance the SDK resolves (a second copy of grpc-js would not see the call) — and passes
 * every other method through to the SDK's handler unchanged.
 */
import { createRequire } from "node:module";
import * as provider from "@pulumi/pulumi/provider";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { currentCall } from "./calls";
import { parseStepConfig } from "./config";
import type { StepConfig } from "../steps/contract";
import type { Props } from "./values";

type Callback = (err: unknown, value?: unknown) => void;
type Handler = (call: { request: never }, callback: Callback) => unknown;
type Implementation = Record<string, Handler>;

interface GrpcModule {
  Server: { prototype: { addService(service: unknown, impl: Implementation): void } };
  status: { INVALID_ARGUMENT: number };
}

/** The `@grpc/grpc-js` the SDK's provider server uses. */
export function sdkGrpc(): GrpcModule {
  const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/provider"));
  return sdkRequire("@grpc/grpc-js") as GrpcModule;
}

interface TimedRequest {
  getTimeout(): number;
}

interface ConfigureRequestLike {
  getArgs(): { toJavaScript(): Props } | undefined;
  getVariablesMap(): { entries(): Iterable<[string, string]> } | Map<string, string>;
}

/** The service implementation with the hooks around the SDK's handlers. */
export function hookedImplementation(
  sdk: Implementation,
  configure: (config: StepConfig) => void,
  invalidArgument: number,
): Implementation {
  const hooked = Object.create(sdk) as Implementation;
  const timed = (name: string, withInputs = false): Handler => {
    const original = sdk[name];
    return (call, callback) => {
      const req = call.request as unknown as TimedRequest & {
        getInputs?(): { toJavaScript(): Props } | undefined;
      };
      const timeoutSeconds = typeof req.getTimeout === "function" ? req.getTimeout() : 0;
      const inputs = withInputs ? req.getInputs?.()?.toJavaScript() : undefined;
      return currentCall.run({ timeoutSeconds, inputs }, () =>
        original.call(hooked, call, callback),
      );
    };
  };
  hooked.create = timed("create");
  hooked.update = timed("update");
  hooked.delete = timed("delete");
  hooked.read = timed("read", true);
  hooked.configure = (call, callback) => {
    const req = call.request as unknown as ConfigureRequestLike;
    let config: StepConfig;
    try {
      config = parseStepConfig(
        req.getArgs()?.toJavaScript(),
        new Map(req.getVariablesMap().entries()),
      );
    } catch (e) {
      callback({ code: invalidArgument, details: (e as Error).message });
      return;
    }
    configure(config);
    const resp = new provproto.ConfigureResponse();
    resp.setAcceptsecrets(true);
    resp.setAcceptresources(true);
    resp.setAcceptoutputs(true);
    callback(null, resp);
  };
  return hooked;
}

/**
 * Serves `provider` through the SDK's `main` with the hooks in place; `configure` receives the
 * stack's configuration before any step runs.
 */
export async function serveWithHooks(
  p: provider.Provider,
  configure: (config: StepConfig) => void,
  args: string[],
): Promise<void> {
  const grpc = sdkGrpc();
  const proto = grpc.Server.prototype;
  const addService = proto.addService;
  proto.addService = function (this: unknown, service: unknown, impl: Implementation) {
    if (service === provrpc.ResourceProviderService) {
      proto.addService = addService;
      impl = hookedImplementation(impl, configure, grpc.status.INVALID_ARGUMENT);
    }
    return addService.call(this, service, impl);
  };
  await provider.main(p, args);
}
