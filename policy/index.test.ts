/**
 * policy/index.ts as `pulumi preview --policy-pack` loads it: the real PolicyPack of @pulumi/policy
 * checks the pack and its policies and starts its analyzer; only the gRPC server it would listen
 * with is replaced, so nothing listens and the port it would print is known.
 */
const services: { name: string; methods: string[] }[] = [];
const bound: string[] = [];

jest.mock("@grpc/grpc-js", () => {
  const actual = jest.requireActual<typeof import("@grpc/grpc-js")>("@grpc/grpc-js");
  class Server {
    addService(service: object, impl: Record<string, unknown>) {
      services.push({ name: "analyzer", methods: Object.keys(impl) });
      void service;
    }
    bindAsync(address: string, _creds: unknown, done: (e: Error | null, port: number) => void) {
      bound.push(address);
      done(null, 50123);
    }
  }
  return { ...actual, Server };
});

test("index.ts builds the real PolicyPack over every policy and serves it once", () => {
  const exit = jest.spyOn(process, "exit").mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)})`);
  });
  const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
  const printed = jest.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    jest.isolateModules(() => {
      require("./index");
    });
    expect(errors).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    expect(bound).toEqual(["127.0.0.1:0"]);
    expect(services).toHaveLength(1);
    expect(services[0].methods).toEqual(
      expect.arrayContaining(["analyze", "analyzeStack", "getAnalyzerInfo"]),
    );
    // the engine reads the port from stdout
    expect(printed).toHaveBeenCalledWith("50123");
  } finally {
    exit.mockRestore();
    errors.mockRestore();
    printed.mockRestore();
  }
});

test("a second pack in the same process is refused, as the engine expects one per process", () => {
  const exit = jest.spyOn(process, "exit").mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)})`);
  });
  const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
  const printed = jest.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    // outside the first test's isolated registry: this pack serves, the next is refused
    const { PolicyPack } = require("@pulumi/policy") as typeof import("@pulumi/policy");
    const { POLICIES } = require("./policies") as typeof import("./policies");
    new PolicyPack("vm-rescue", { policies: POLICIES });
    expect(() => new PolicyPack("vm-rescue", { policies: POLICIES })).toThrow(/process\.exit\(1\)/);
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/Already serving policy pack/));
  } finally {
    exit.mockRestore();
    errors.mockRestore();
    printed.mockRestore();
  }
});
