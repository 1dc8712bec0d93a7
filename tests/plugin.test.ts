/**
 * The components must stay consumable from every Pulumi language (`pulumi package add`): the Node
 * plugin host infers their schema with the SDK's analyzer, which rejects unions, functions, type
 * aliases as args and non-interface args. Running that analyzer here catches a violation at test
 * time instead of at a consumer's `pulumi package add`.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import * as library from "../src/index";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

const componentClasses = Object.entries(library).filter(
  ([, v]) =>
    typeof v === "function" &&
    (v as { prototype: unknown }).prototype instanceof pulumi.ComponentResource,
);

test("the package declares a plugin and a TypeScript entry point the plugin host can analyze", () => {
  expect(fs.readFileSync(path.join(root, "PulumiPlugin.yaml"), "utf8")).toMatch(
    /^runtime:\s*nodejs/m,
  );
  expect(pkg.name).toMatch(/^[a-zA-Z][-a-zA-Z0-9_]*$/);
  expect(fs.existsSync(path.join(root, pkg.main))).toBe(true);
  expect(componentClasses.map(([n]) => n)).toContain("AzureWindowsRescue");
});

test("every exported component passes the cross-language schema analysis", () => {
  const names = new Set(componentClasses.map(([n]) => n));
  const result = new Analyzer(root, pkg.name, pkg, names).analyze();
  expect(Object.keys(result.components).sort()).toEqual([...names].sort());
  for (const [name, def] of Object.entries(result.components)) {
    expect(Object.keys(def.inputs ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(def.outputs ?? {}).length).toBeGreaterThan(0);
    for (const [prop, p] of Object.entries({ ...def.inputs, ...def.outputs })) {
      expect({
        component: name,
        prop,
        described: typeof (p as { description?: string }).description === "string",
      }).toEqual({ component: name, prop, described: true });
    }
  }
  const azure = result.components.AzureWindowsRescue;
  expect(azure.inputs.resourceGroupName).toMatchObject({ type: "string" });
  expect(azure.inputs.resourceGroupName.optional).toBeFalsy();
  expect(azure.outputs.snapshotId).toMatchObject({ type: "string" });
});
