/**
 * The engine's side of the plugin protocol, for the contract tests: starts the plugin as the engine
 * does (the executable with the engine's address as argument, the port on the first line of
 * stdout) and drives it through the SDK's generated gRPC clients, with properties serialized as
 * the engine sends them (secrets as signature objects, unknowns as the sentinel).
 */
import { reveal } from "../../src/provider/values";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { transformFileSync } from "@swc/core";
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { StepConfig } from "../../src/steps/contract";
import { CONFIG_SECTIONS } from "../../src/provider/config";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export type Props = Record<string, unknown>;

export const struct = (p: Props): Struct => Struct.fromJavaScript(p as never);

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fake engine: records the Log calls of the plugin. */
export async function fakeEngine(): Promise<{ address: string; logs: string[]; stop(): void }> {
  const logs: string[] = [];
  const server = new grpc.Server();
  const unary =
    (fn: (req: never) => unknown) => (call: { request: never }, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, fn(call.request));
  server.addService(
    engrpc.EngineService as never,
    {
      log: unary((req: engproto.LogRequest) => {
        logs.push(`${req.getUrn()} ${req.getMessage()}`);
        return new Empty();
      }),
      getRootResource: unary(() => new engproto.GetRootResourceResponse()),
      setRootResource: unary(() => new engproto.SetRootResourceResponse()),
    } as never,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, logs, stop: () => server.forceShutdown() };
}

/** Compiles the test kind (left out of dist/) and writes a plugin entry that serves it too. */
export function testKindEntry(root: string, dir: string): string {
  const js = transformFileSync(path.join(REPO_ROOT, "src/provider/testing/testKind.ts"), {
    jsc: { target: "es2022", parser: { syntax: "typescript" } },
    module: { type: "commonjs" },
  }).code;
  fs.writeFileSync(path.join(dir, "testKind.js"), js);
  const entry = path.join(dir, "plugin-with-test-kind.js");
  fs.writeFileSync(
    entry,
    [
      `const { serve } = require(${JSON.stringify(path.join(root, "dist/src/provider/serve.js"))});`,
      `const { ALL_STEP_KINDS } = require(${JSON.stringify(path.join(root, "dist/src/provider/kinds.js"))});`,
      `const { testSwapKind } = require("./testKind.js");`,
      `serve([...ALL_STEP_KINDS, testSwapKind], process.argv.slice(2));`,
    ].join("\n"),
  );
  return entry;
}

export interface Plugin {
  client: provrpc.ResourceProviderClient;
  process: ChildProcess;
  stderr: () => string;
  stop(): void;
}

/** Starts a plugin executable (or a node script) with the engine's address; resolves with its port. */
export async function startPlugin(
  command: string,
  engineAddress: string,
  cwd: string,
): Promise<Plugin> {
  const [cmd, args] = command.endsWith(".js")
    ? [process.execPath, [command, engineAddress]]
    : [command, [engineAddress]];
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(Number(line.trim()));
    });
    child.on("exit", (code) => reject(new Error(`plugin exited ${code}: ${err}`)));
  });
  const client = new provrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  return {
    client,
    process: child,
    stderr: () => err,
    stop: () => {
      client.close();
      child.kill();
    },
  };
}

/** One unary call of the plugin as a promise. */
export function rpc<Req, Res>(
  client: provrpc.ResourceProviderClient,
  method: string,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: Req, cb: (e: Error | null, r: Res) => void) => void>)[
      method
    ](req, (e, r) => (e ? reject(e) : resolve(r)));
  });
}

export const urnOf = (token: string, name: string): string =>
  `urn:pulumi:test::vm-rescue::${token}::${name}`;

/** The engine's Configure with the provider's inputs (args) and the same as variables. */
export async function configure(client: provrpc.ResourceProviderClient, args: Props) {
  const req = new provproto.ConfigureRequest();
  req.setArgs(struct(args));
  const vars = req.getVariablesMap();
  for (const [k, v] of Object.entries(args)) {
    vars.set(`vm-rescue:config:${k}`, typeof v === "string" ? v : JSON.stringify(reveal(v)));
  }
  req.setAcceptsecrets(true);
  req.setAcceptresources(true);
  return rpc<provproto.ConfigureRequest, provproto.ConfigureResponse>(client, "configure", req);
}

/** The engine's calls of one resource. */
export function resourceCalls(client: provrpc.ResourceProviderClient, token: string, name: string) {
  const urn = urnOf(token, name);
  return {
    urn,
    async check(news: Props, olds: Props = {}) {
      const req = new provproto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      req.setRandomseed(Buffer.alloc(32));
      return rpc<provproto.CheckRequest, provproto.CheckResponse>(client, "check", req);
    },
    async diff(id: string, olds: Props, news: Props, oldInputs: Props = olds) {
      const req = new provproto.DiffRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      req.setOldInputs(struct(oldInputs));
      return rpc<provproto.DiffRequest, provproto.DiffResponse>(client, "diff", req);
    },
    async create(props: Props, timeout = 0) {
      const req = new provproto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(props));
      req.setTimeout(timeout);
      const res = await rpc<provproto.CreateRequest, provproto.CreateResponse>(
        client,
        "create",
        req,
      );
      return { id: res.getId(), props: res.getProperties()!.toJavaScript() as Props };
    },
    async read(id: string, props: Props, inputs: Props) {
      const req = new provproto.ReadRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(props));
      req.setInputs(struct(inputs));
      const res = await rpc<provproto.ReadRequest, provproto.ReadResponse>(client, "read", req);
      return {
        id: res.getId(),
        props: (res.getProperties()?.toJavaScript() ?? {}) as Props,
        inputs: (res.getInputs()?.toJavaScript() ?? {}) as Props,
      };
    },
    async update(id: string, olds: Props, news: Props, timeout = 0) {
      const req = new provproto.UpdateRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      req.setTimeout(timeout);
      const res = await rpc<provproto.UpdateRequest, provproto.UpdateResponse>(
        client,
        "update",
        req,
      );
      return res.getProperties()!.toJavaScript() as Props;
    },
    async delete(id: string, props: Props, timeout = 0) {
      const req = new provproto.DeleteRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(props));
      req.setTimeout(timeout);
      await rpc(client, "delete", req);
    },
  };
}

export const SECRET_KEY = "4dabf18193072939515e22adb298388d";
export const secretValue = (value: unknown): Props => ({
  [SECRET_KEY]: "1b47061264138c4ac30d75fd1eb44270",
  value,
});
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The stack's configuration as the engine sends it: secret settings wrapped as secrets. */
export function configArgs(config: StepConfig | undefined, file: string): Props {
  const args: Props = { simulatedCloud: file };
  for (const cloud of ["azure", "aws"] as const) {
    const section = config?.[cloud];
    if (!section) continue;
    args[cloud] = Object.fromEntries(
      Object.entries(section).map(([k, v]) => [
        k,
        CONFIG_SECTIONS[cloud][k]?.secret ? secretValue(v) : v,
      ]),
    );
  }
  return args;
}
