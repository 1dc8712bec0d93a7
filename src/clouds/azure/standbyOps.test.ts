/**
 * The real standby calls (`armStandbyOps`) against a stand-in for `@azure/arm-compute`'s client:
 * what they send to Azure for a claim (every tag, the claim set or removed, If-Match on the read's
 * ETag) and what they make of its answers (the ETag, the tags, a 412).
 */
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { isPlanError } from "../../vocabulary/errors";
import { armStandbyOps } from "./standbyOps";
import { standbyUseKind } from "./standby";

const get = jest.fn();
const beginUpdateAndWait = jest.fn();
const beginStartAndWait = jest.fn();
jest.mock("@azure/arm-compute", () => ({
  ComputeManagementClient: jest.fn(() => ({
    virtualMachines: { get, beginUpdateAndWait, beginStartAndWait },
  })),
}));
jest.mock("./runtime", () => ({
  ...jest.requireActual("./runtime"),
  azureCredential: () => ({ getToken: async () => null }),
}));

const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
const ID = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.Compute/virtualMachines/standby-we-1`;
const signal = new AbortController().signal;
const ctx = { config: {}, signal, deadline: Date.now() + 3_600_000, log: () => undefined };

/** The VM as `virtualMachines.get` returns it (with its instance view). */
const vm = (tags: Record<string, string>, etag: string | undefined) => ({
  id: ID,
  location: "westeurope",
  zones: ["1"],
  identity: { type: "SystemAssigned", principalId: "11111111-2222-3333-4444-555555555555" },
  instanceView: { statuses: [{ code: "PowerState/deallocated" }] },
  storageProfile: { dataDisks: [] },
  tags,
  etag,
});

beforeEach(() => jest.clearAllMocks());

test("describe reads the tags, the claim and the ETag", async () => {
  get.mockResolvedValue(vm({ owner: "platform", [STANDBY_CLAIM_TAG]: "inc-2" }, '"7"'));
  const read = await armStandbyOps(ctx, SUB).describe("rg-platform", "standby-we-1");
  expect(read).toMatchObject({
    tags: { owner: "platform", [STANDBY_CLAIM_TAG]: "inc-2" },
    claim: "inc-2",
    etag: '"7"',
    powerState: "deallocated",
  });
});

test("a claim is a PATCH of every tag, the claim set, with If-Match on the read's ETag; its removal removes only the claim", async () => {
  get.mockResolvedValue(vm({ owner: "platform" }, '"7"'));
  beginUpdateAndWait.mockResolvedValue({});
  const ops = armStandbyOps(ctx, SUB);
  const read = await ops.describe("rg-platform", "standby-we-1");
  await ops.setClaim("rg-platform", "standby-we-1", "inc-4711", read);
  expect(beginUpdateAndWait).toHaveBeenLastCalledWith(
    "rg-platform",
    "standby-we-1",
    { tags: { owner: "platform", [STANDBY_CLAIM_TAG]: "inc-4711" } },
    { abortSignal: signal, ifMatch: '"7"' },
  );
  await ops.setClaim("rg-platform", "standby-we-1", null, {
    ...read,
    tags: { owner: "platform", [STANDBY_CLAIM_TAG]: "inc-4711" },
    etag: '"8"',
  });
  expect(beginUpdateAndWait).toHaveBeenLastCalledWith(
    "rg-platform",
    "standby-we-1",
    { tags: { owner: "platform" } },
    { abortSignal: signal, ifMatch: '"8"' },
  );
});

test("Azure's 412 to the claim means the helper changed: it is read again, and another rescue's claim refused", async () => {
  get
    .mockResolvedValueOnce(vm({}, '"7"'))
    .mockResolvedValueOnce(vm({ [STANDBY_CLAIM_TAG]: "inc-2" }, '"8"'));
  beginUpdateAndWait.mockRejectedValueOnce(
    Object.assign(new Error("The specified precondition 'If-Match = \"7\"' failed."), {
      name: "RestError",
      statusCode: 412,
      code: "PreconditionFailed",
    }),
  );
  const kind = standbyUseKind((c, sub) => armStandbyOps(c, sub));
  const e = await kind
    .create(ctx, {
      subscriptionId: SUB,
      helperResourceGroupName: "rg-platform",
      helperVmName: "standby-we-1",
      copyDiskId: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks/copy`,
      location: "westeurope",
      zone: "1",
      rescueId: "inc-4711",
    })
    .catch((x) => x);
  expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
  expect(e.message).toMatch(/is claimed by rescue inc-2/);
  expect(beginUpdateAndWait).toHaveBeenCalledTimes(1);
  expect(beginStartAndWait).not.toHaveBeenCalled();
});
