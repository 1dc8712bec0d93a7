/**
 * Lines from a step to the engine's diagnostics (shown by `pulumi up` under the resource). The
 * engine's address is the plugin's first argument; without it the lines go to stderr, which the
 * engine also shows.
 */
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import { sdkGrpc } from "./grpcHooks";

/** The engine's address among the plugin's arguments (flags such as `--logtostderr` skipped). */
export function engineAddress(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tracing") i += 1;
    else if (!args[i].startsWith("-")) return args[i];
  }
  return undefined;
}

export function engineLogger(args: string[]): (urn: string, message: string) => void {
  const address = engineAddress(args);
  if (!address) return (urn, message) => process.stderr.write(`${urn}: ${message}\n`);
  const grpc = sdkGrpc() as unknown as {
    credentials: { createInsecure(): ConstructorParameters<typeof engrpc.EngineClient>[1] };
  };
  const client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
  return (urn, message) => {
    const req = new engproto.LogRequest();
    req.setSeverity(engproto.LogSeverity.INFO);
    req.setMessage(message);
    req.setUrn(urn);
    client.log(req, (err) => {
      if (err) process.stderr.write(`${urn}: ${message}\n`);
    });
  };
}
