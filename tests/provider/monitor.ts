/**
 * A fake resource monitor for Construct: the engine's side that the component's registrations and
 * invokes reach. It records every RegisterResource and answers with a simulated cloud (the same
 * mocks the offline simulation uses).
 */
import * as grpc from "@grpc/grpc-js";
import type * as pulumi from "@pulumi/pulumi";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { reveal } from "../../src/provider/values";

export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  dependencies: string[];
  inputs: Record<string, unknown>;
}

const plain = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v ?? {}));

export async function fakeMonitor(
  cloud: pulumi.runtime.Mocks,
  stack = "test",
  project = "consumer",
) {
  const registrations: Registration[] = [];
  const outputs = new Map<string, Record<string, unknown>>();
  const typeOf = (urn: string) => urn.split("::")[2] ?? "";
  const server = new grpc.Server();
  server.addService(
    resrpc.ResourceMonitorService as never,
    {
      supportsFeature(
        call: { request: resproto.SupportsFeatureRequest },
        cb: grpc.sendUnaryData<unknown>,
      ) {
        const res = new resproto.SupportsFeatureResponse();
        res.setHassupport(["secrets"].includes(call.request.getId()));
        cb(null, res);
      },
      async invoke(
        call: { request: resproto.ResourceInvokeRequest },
        cb: grpc.sendUnaryData<unknown>,
      ) {
        try {
          const inputs = reveal(call.request.getArgs()?.toJavaScript() ?? {}) as Record<
            string,
            unknown
          >;
          const result = await cloud.call({ token: call.request.getTok(), inputs, provider: "" });
          const res = new provproto.InvokeResponse();
          res.setReturn(Struct.fromJavaScript(plain(result) as never));
          cb(null, res);
        } catch (e) {
          cb(e as Error);
        }
      },
      async registerResource(
        call: { request: resproto.RegisterResourceRequest },
        cb: grpc.sendUnaryData<unknown>,
      ) {
        try {
          const r = call.request;
          const parentType = r.getParent() ? `${typeOf(r.getParent())}$` : "";
          const urn = `urn:pulumi:${stack}::${project}::${parentType}${r.getType()}::${r.getName()}`;
          const inputs = reveal(r.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
          registrations.push({
            type: r.getType(),
            name: r.getName(),
            urn,
            parent: r.getParent(),
            custom: r.getCustom(),
            dependencies: r.getDependenciesList(),
            inputs,
          });
          const res = new resproto.RegisterResourceResponse();
          res.setUrn(urn);
          if (r.getCustom()) {
            const made = await cloud.newResource({
              type: r.getType(),
              name: r.getName(),
              inputs,
              provider: r.getProvider(),
              custom: true,
              id: r.getImportid() || undefined,
            });
            res.setId(made.id ?? `${r.getName()}-id`);
            res.setObject(Struct.fromJavaScript(plain(made.state) as never));
          } else {
            res.setObject(Struct.fromJavaScript({}));
          }
          cb(null, res);
        } catch (e) {
          cb(e as Error);
        }
      },
      registerResourceOutputs(
        call: { request: resproto.RegisterResourceOutputsRequest },
        cb: grpc.sendUnaryData<unknown>,
      ) {
        outputs.set(call.request.getUrn(), call.request.getOutputs()?.toJavaScript() ?? {});
        cb(null, new Empty());
      },
      registerPackage(
        call: { request: resproto.RegisterPackageRequest },
        cb: grpc.sendUnaryData<unknown>,
      ) {
        const res = new resproto.RegisterPackageResponse();
        res.setRef(`${call.request.getName()}-ref`);
        cb(null, res);
      },
    } as never,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    registrations,
    outputs,
    stop: () => server.forceShutdown(),
  };
}
