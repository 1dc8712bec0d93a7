/**
 * The option recorder reads resource options from the SDK's registration requests (an internal seam
 * of @pulumi/pulumi). These tests fail loudly if an SDK upgrade moves it.
 */
import * as pulumi from "@pulumi/pulumi";
import { runUnderMocks } from "../src/engine/simulate/mockRun";

class Thing extends pulumi.CustomResource {
  declare readonly value: pulumi.Output<string>;
  constructor(
    name: string,
    args: { value: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("test:index:Thing", name, { value: args.value }, opts);
  }
}

const cloud: pulumi.runtime.Mocks = {
  newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
  call: () => ({}),
};

test("records explicit and input dependencies, retainOnDelete, protect, parent and secrets", async () => {
  const run = await runUnderMocks(
    () => {
      const parent = new pulumi.ComponentResource("test:index:Group", "g");
      const a = new Thing("a", { value: "x" }, { parent, retainOnDelete: true });
      const b = new Thing("b", { value: a.value }, { parent, protect: true });
      const c = new Thing(
        "c",
        { value: pulumi.secret("s") },
        { parent, dependsOn: [b], deleteBeforeReplace: true },
      );
      return { c: c.value };
    },
    { project: "p", stack: "s", config: {}, cloud },
  );
  const by = Object.fromEntries(run.resources.map((r) => [r.name, r]));
  expect(by.a.retainOnDelete).toBe(true);
  expect(by.b.protect).toBe(true);
  expect(by.b.dependencies).toEqual([by.a.urn]);
  expect(by.c.dependencies).toEqual([by.b.urn]);
  expect(by.c.deleteBeforeReplace).toBe(true);
  expect(by.c.inputs.value).toBe("[secret]");
  expect(by.a.parent).toBe(by.g.urn);
  expect(by.g.custom).toBe(false);
  expect(run.outputs.c).toBe("[secret]");
});

test("reads stack config set for the run", async () => {
  const run = await runUnderMocks(
    () => ({ v: pulumi.output(new pulumi.Config("p").require("k")) }),
    {
      project: "p",
      stack: "s",
      config: { "p:k": "v1" },
      cloud,
    },
  );
  expect(run.outputs.v).toBe("v1");
});
