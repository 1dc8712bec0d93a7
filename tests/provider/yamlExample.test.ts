/**
 * The YAML example (examples/yaml/Pulumi.yaml) against the generated schema: every resource type
 * exists, every property it sets is an input of that type with a value of the declared type, every
 * required input is set, every output it reads exists, and its plugin path holds the executable.
 * This is the part of Pulumi YAML's type check that runs without the CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SCHEMA_FILE } from "../../src/provider/schema";
import { REPO_ROOT } from "./harness";

type Json = Record<string, unknown>;
const exampleDir = path.join(REPO_ROOT, "examples/yaml");
const program = parse(fs.readFileSync(path.join(exampleDir, "Pulumi.yaml"), "utf8")) as Json;
const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, SCHEMA_FILE), "utf8")) as Json;
const resources = schema.resources as Record<string, Json>;
const types = schema.types as Record<string, Json>;
const config = program.config as Record<string, { type: string }>;

/** The schema type of a YAML value: an interpolation takes the type of the config it names. */
function valueType(v: unknown): string {
  if (typeof v === "string") {
    const m = /^\$\{(\w+)\}$/.exec(v);
    if (m) return config[m[1]]?.type ?? `unknown reference ${m[1]}`;
    return "string";
  }
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "boolean") return "boolean";
  if (Array.isArray(v)) return "array";
  return "object";
}

/**
 * Where a value does not fit its declared type: a named type's value is an object that sets only
 * its properties and every required one (each checked in turn), an array's items and a map's values
 * (strings when the map does not say) fit theirs.
 */
function problems(where: string, spec: Json, v: unknown): string[] {
  const t = valueType(v);
  if (typeof spec.$ref === "string") {
    const def = types[spec.$ref.replace("#/types/", "")];
    if (!def) return [`${where}: no type ${spec.$ref}`];
    if (t !== "object") return [`${where}: ${t} for an object`];
    const props = (def.properties ?? {}) as Record<string, Json>;
    const fields = v as Json;
    return [
      ...Object.entries(fields).flatMap(([k, x]) =>
        props[k] ? problems(`${where}.${k}`, props[k], x) : [`${where}.${k}: not a property`],
      ),
      ...((def.required ?? []) as string[])
        .filter((k) => !(k in fields))
        .map((k) => `${where}: required ${k} missing`),
    ];
  }
  const ok = spec.type === t || (spec.type === "number" && t === "integer");
  if (!ok) return [`${where}: ${t} for a ${String(spec.type)}`];
  if (spec.type === "array")
    return (v as unknown[]).flatMap((x, i) => problems(`${where}[${i}]`, spec.items as Json, x));
  if (spec.type === "object") {
    const values = (spec.additionalProperties ?? { type: "string" }) as Json;
    return Object.entries(v as Json).flatMap(([k, x]) => problems(`${where}.${k}`, values, x));
  }
  return [];
}

/** The declared type at a property path (`gate.reasons`) from a resource's outputs, or undefined. */
function typeAt(props: Record<string, Json>, path: string[]): Json | undefined {
  let spec: Json | undefined = props[path[0]];
  for (const key of path.slice(1)) {
    if (!spec) return undefined;
    const ref: unknown = spec.$ref;
    const def: Json | undefined =
      typeof ref === "string" ? types[ref.replace("#/types/", "")] : undefined;
    spec = (def?.properties as Record<string, Json> | undefined)?.[key];
  }
  return spec;
}

test("the example's plugin path holds the plugin executable", () => {
  const plugins = (program.plugins as { providers: { name: string; path: string }[] }).providers;
  const entry = plugins.find((p) => p.name === "vm-rescue")!;
  const bin = path.join(exampleDir, entry.path, "pulumi-resource-vm-rescue");
  expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
});

test("every property the example sets fits the schema; required inputs are set", () => {
  const found: string[] = [];
  const declared = program.resources as Record<string, { type: string; properties: Json }>;
  for (const [name, r] of Object.entries(declared)) {
    const def = resources[r.type];
    if (!def) {
      found.push(`${name}: no resource ${r.type}`);
      continue;
    }
    const inputs = def.inputProperties as Record<string, Json>;
    for (const [k, v] of Object.entries(r.properties)) {
      if (!inputs[k]) found.push(`${name}.${k}: not an input of ${r.type}`);
      else found.push(...problems(`${name}.${k}`, inputs[k], v));
    }
    for (const k of (def.requiredInputs ?? []) as string[]) {
      if (!(k in r.properties)) found.push(`${name}: required ${k} missing`);
    }
  }
  expect(found).toEqual([]);
  expect(
    Object.values(declared)
      .map((r) => r.type)
      .sort(),
  ).toEqual(["vm-rescue:index:AwsWindowsRescue", "vm-rescue:index:AzureWindowsRescue"]);
});

test("every output the example reads is an output of its resource", () => {
  const declared = program.resources as Record<string, { type: string }>;
  const missing = Object.entries(program.outputs as Record<string, string>).filter(([, expr]) => {
    const [, res, path] = /^\$\{(\w+)\.([\w.]+)\}$/.exec(expr) ?? [];
    const def = resources[declared[res]?.type];
    return !def || !typeAt(def.properties as Record<string, Json>, path.split("."));
  });
  expect(missing).toEqual([]);
});

test("the check catches a wrong type and an unknown property", () => {
  const inputs = resources["vm-rescue:index:AzureWindowsRescue"].inputProperties as Record<
    string,
    Json
  >;
  expect(problems("swap", inputs.swap, "yes")).toEqual(["swap: string for a boolean"]);
  expect(problems("tags", inputs.tags, { a: 1 })).toEqual(["tags.a: integer for a string"]);
});

test("the check follows object types: fields, their types, required ones; and output paths", () => {
  const outputs = resources["vm-rescue:index:AzureWindowsRescue"].properties as Record<
    string,
    Json
  >;
  expect(problems("gate", outputs.gate, { allowed: "yes", extra: 1 })).toEqual([
    "gate.allowed: string for a boolean",
    "gate.extra: not a property",
    "gate: required reasons missing",
  ]);
  expect(problems("gate", outputs.gate, { allowed: true, reasons: ["a"] })).toEqual([]);
  expect(problems("gate", outputs.gate, ["a"])).toEqual(["gate: array for an object"]);
  expect(typeAt(outputs, ["gate", "reasons"])).toMatchObject({ type: "array" });
  expect(typeAt(outputs, ["gate", "why"])).toBeUndefined();
});
