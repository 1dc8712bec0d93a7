/**
 * The simulated compute stands in for Azure in `--simulate` and in tests; these tests hold it to
 * the documented behaviour it imitates (../shared/reference/azure-rescue.md, from the Azure docs'
 * "os-disk-swap" article and az vm repair's restore): the swap is `az vm update --os-disk` on the
 * source, with no deallocation required; the copy must first be detached from the repair VM; a
 * disk that no longer exists is HTTP 404; ARM ids compare without regard to case.
 */
import { SimulatedCompute } from "./simulated";

const RG = "rg-app";
const disk = (name: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${name}`;

function world() {
  const c = new SimulatedCompute();
  c.addVm(RG, "app-vm", { osDiskId: disk("original") });
  c.addVm(RG, "helper", { osDiskId: disk("helper-os"), dataDiskIds: [disk("copy")] });
  c.brokenDisks.add(disk("original"));
  return c;
}

test("a disk still attached to the repair VM cannot be swapped in (409, detach first)", async () => {
  const c = world();
  await expect(c.setOsDisk(RG, "app-vm", disk("copy"))).rejects.toMatchObject({
    statusCode: 409,
    code: "OperationNotAllowed",
  });
  await c.detachDataDisk(RG, "helper", disk("copy"));
  await c.setOsDisk(RG, "app-vm", disk("copy"));
  expect(c.vm(RG, "app-vm").osDiskId).toBe(disk("copy"));
});

test("the OS disk can be swapped without deallocating the VM (current docs)", async () => {
  const c = world();
  await c.detachDataDisk(RG, "helper", disk("copy"));
  expect(c.vm(RG, "app-vm").powerState).toBe("running");
  await expect(c.setOsDisk(RG, "app-vm", disk("copy"))).resolves.toBeUndefined();
});

test("a deleted disk is 404 ResourceNotFound", async () => {
  const c = world();
  c.deletedDisks.add(disk("gone"));
  await expect(c.setOsDisk(RG, "app-vm", disk("gone"))).rejects.toMatchObject({
    statusCode: 404,
    code: "ResourceNotFound",
  });
});

test("ARM ids compare without regard to case", async () => {
  const c = world();
  await c.detachDataDisk(RG, "helper", disk("COPY"));
  expect(c.vm(RG, "helper").dataDiskIds).toEqual([]);
});

test("the broken disk crashes the VM it boots; the repaired copy boots", async () => {
  const c = world();
  await c.start(RG, "app-vm");
  expect(c.vm(RG, "app-vm").serialLog).toMatch(/BLUESCREEN/);
  await c.detachDataDisk(RG, "helper", disk("copy"));
  await c.setOsDisk(RG, "app-vm", disk("copy"));
  await c.start(RG, "app-vm");
  expect(c.vm(RG, "app-vm").serialLog).toMatch(/SAC started/);
  expect(c.vm(RG, "app-vm").agentStatus).toBe("Ready");
});
