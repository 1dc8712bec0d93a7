/**
 * What the Azure step kinds promise beyond converging: secret outputs stay out of the state in
 * plain text, the steps run as the identity the provider settings name, every SDK call carries the
 * step's abort signal, a hung call gives up at the deadline in one line, and the deadlines come
 * from the latency model.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import { OsDiskSwapKind, osDiskSwapKind } from "./swap";
import { OsDiskRollbackKind } from "./rollback";
import { BootVerificationKind, bootVerificationKind } from "./bootVerification";
import { CollectTriageKind } from "./decision";
import { armComputeOps } from "./operations";
import { azureCredential } from "./runtime";
import { SimulatedClock, SimulatedCompute } from "./simulated";
import { fixedRuntime, testContext } from "./testing/runtime";
import { brokenWorld, swapInputs, verifyInputs, RG, VM, COPY } from "./testing/world";
import { allowedSeconds, resourceTimeouts, runCommandTimeout, TIMEOUT_MARGIN } from "./timeouts";
import { loadLatencyModel } from "../../recoveryTime/model";
import type { PropertySpec } from "../../steps/contract";

const secrets = (specs: Record<string, PropertySpec>) =>
  Object.entries(specs)
    .filter(([, s]) => s.secret)
    .map(([k]) => k)
    .sort();

describe("secret outputs (serial-console text, baselines, boot-diagnostics URLs)", () => {
  test("are marked secret in the kinds' outputs", () => {
    expect(secrets(OsDiskSwapKind.outputs)).toEqual(["serialBaseline"]);
    expect(secrets(OsDiskRollbackKind.outputs)).toEqual(["serialBaseline"]);
    expect(secrets(BootVerificationKind.outputs)).toEqual([
      "bugCheck",
      "screenshotUrl",
      "serialLogUrl",
    ]);
    expect(secrets(BootVerificationKind.inputs)).toEqual(["serialBaseline"]);
  });

  test("the serial-console line of a new crash is only in the secret bugCheck, not in the reasons", async () => {
    const compute = brokenWorld();
    compute.vm(RG, VM).serialLog = null;
    await compute.start(RG, VM); // the original disk bug-checks again
    const kind = bootVerificationKind(fixedRuntime(compute, new SimulatedClock()));
    const { outs } = await kind.create(testContext(), verifyInputs({ osDiskId: COPY }));
    expect(outs.bugCheck).toMatch(/BLUESCREEN/);
    expect(outs.reasons.join("\n")).not.toMatch(/BLUESCREEN|STOPCODE|0x7E/);
    expect(outs.reasons[0]).toMatch(/crashed again after the swap/);
  });
});

describe("the identity the steps run as (the stack's provider settings)", () => {
  const ids = { tenantId: "tenant", clientId: "client" };
  test("a client secret, OIDC or else the environment's credential", () => {
    expect(azureCredential({ ...ids, clientSecret: "s3cret" })).toBeInstanceOf(
      ClientSecretCredential,
    );
    expect(azureCredential({ ...ids, useOidc: true, oidcToken: "jwt" })).toBeInstanceOf(
      ClientAssertionCredential,
    );
    expect(azureCredential({ ...ids, oidcToken: "jwt" })).toBeInstanceOf(ClientAssertionCredential);
    const saved = { ...process.env };
    try {
      for (const k of ["ARM_OIDC_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_OIDC_REQUEST_URL"])
        delete process.env[k];
      process.env.AZURE_FEDERATED_TOKEN_FILE = "/var/run/secrets/token";
      expect(azureCredential({ ...ids, useOidc: true })).toBeInstanceOf(WorkloadIdentityCredential);
    } finally {
      process.env = saved;
    }
    expect(azureCredential({})).toBeInstanceOf(DefaultAzureCredential);
    expect(azureCredential(undefined)).toBeInstanceOf(DefaultAzureCredential);
  });

  test("a client secret without tenant and client ids is one line naming them", () => {
    const saved = { ...process.env };
    try {
      for (const k of ["ARM_TENANT_ID", "AZURE_TENANT_ID", "ARM_CLIENT_ID", "AZURE_CLIENT_ID"])
        delete process.env[k];
      expect(() => azureCredential({ clientSecret: "s3cret" })).toThrow(/tenantId and clientId/);
    } finally {
      process.env = saved;
    }
  });

  test("the real operations use the given credential and pass the step's abort signal to the SDK", async () => {
    const used: string[][] = [];
    const credential: TokenCredential = {
      async getToken(scopes): Promise<AccessToken> {
        used.push([scopes].flat());
        return { token: "fake", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const ac = new AbortController();
    ac.abort();
    const ops = armComputeOps("00000000-0000-0000-0000-000000000000", {
      credential,
      signal: ac.signal,
    });
    await expect(ops.getVmDisks(RG, VM)).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("deadlines", () => {
  test("a call that hangs gives up at the step's deadline with one line; a cancel says so", async () => {
    const compute = brokenWorld();
    compute.getVmDisks = () => new Promise(() => undefined);
    const kind = osDiskSwapKind(fixedRuntime(compute));
    const late = testContext({}, { deadline: Date.now() + 50 });
    await expect(kind.create(late, swapInputs())).rejects.toThrow(
      /^reading VM app-vm-01 failed: vm-rescue:azure:OsDiskSwap: gave up at the step's deadline \(.*\); run the update again to resume$/,
    );
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await expect(kind.create(testContext({}, { signal: ac.signal }), swapInputs())).rejects.toThrow(
      "reading VM app-vm-01 failed: vm-rescue:azure:OsDiskSwap: cancelled; run the update again to resume",
    );
  });

  test("the kinds' deadlines and the resources' custom timeouts are the latency model's durations times the margin", () => {
    const m = loadLatencyModel().azure as Record<string, number>;
    expect(TIMEOUT_MARGIN).toBe(10);
    expect(OsDiskSwapKind.timeouts.create).toBe(
      10 *
        (m["vm.detachDataDisk"] + m["vm.deallocate"] + m["vm.osDiskSwap"] + m["vm.start.windows"]),
    );
    expect(OsDiskRollbackKind.timeouts.create).toBe(
      10 * (m["vm.deallocate"] + m["vm.osDiskSwap"] + m["vm.start.windows"]),
    );
    expect(BootVerificationKind.timeouts.create).toBe(
      10 * (m["vm.start.windows"] + m["vm.bootVerify"]),
    );
    expect(CollectTriageKind.timeouts.create).toBeGreaterThan(10 * 60);
    expect(resourceTimeouts()).toEqual({
      snapshot: { create: `${10 * m["snapshot.create"]}s` },
      copyDisk: { create: `${10 * m["disk.copy"]}s` },
    });
    expect(runCommandTimeout(5400)).toBe(`${5400 + 10 * m["runCommand.overhead"]}s`);
    expect(allowedSeconds("azure.vm.start.windows")).toBe(10 * m["vm.start.windows"]);
    expect(() => allowedSeconds("azure.vm.teleport")).toThrow(/unknown operation/);
  });
});

test("a simulated compute round-trips through its JSON", () => {
  const c = brokenWorld();
  c.failures.clear();
  const back = SimulatedCompute.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
  expect(back.toJSON()).toEqual(c.toJSON());
});

test("check refuses a bad generation or timeout in one line naming it, and leaves values not known yet alone", () => {
  expect(OsDiskSwapKind.check!(swapInputs({ swapGeneration: -1 }))).toEqual([
    expect.stringMatching(/^swapGeneration must be a whole number/),
  ]);
  expect(OsDiskSwapKind.check!(swapInputs({ swapGeneration: 2 }))).toEqual([]);
  expect(OsDiskSwapKind.check!({ ...swapInputs(), swapGeneration: "<unknown>" as never })).toEqual(
    [],
  );
  expect(BootVerificationKind.check!(verifyInputs({ timeoutMinutes: 0 }))).toEqual([
    expect.stringMatching(/^timeoutMinutes must be a positive number/),
  ]);
});
