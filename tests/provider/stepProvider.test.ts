/** The provider's mapping of calls to kinds, in-process (the gRPC contract is server.test.ts). */
import { StepProvider, typeOfUrn } from "../../src/provider/stepProvider";
import { testSwapKind } from "../../src/provider/testing/testKind";

const urn = "urn:pulumi:s::p::vm-rescue:index:AzureWindowsRescue$vm-rescue:test:DiskSwap::x";
const inputs = { vmName: "vm", repairDiskId: "d1" };

test("a step's type comes from its URN, under a component parent too", () => {
  expect(typeOfUrn(urn)).toBe("vm-rescue:test:DiskSwap");
});

test("deleteBeforeReplace is set on a replace of a kind that needs it, never on an update", async () => {
  const p = new StepProvider({
    version: "1.0.0",
    kinds: [{ ...testSwapKind, deleteBeforeReplace: true }],
    schema: () => "{}",
  });
  const replace = await p.diff("id", urn, inputs, { ...inputs, repairDiskId: "d2" });
  expect(replace).toMatchObject({
    changes: true,
    replaces: ["repairDiskId"],
    deleteBeforeReplace: true,
  });
  const update = await p.diff("id", urn, inputs, { ...inputs, note: "n" });
  expect(update).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
});
