/**
 * A {@link PropertySpec} as the package schema writes it. Pulumi's schema knows primitives
 * (`string`, `number`, `integer`, `boolean`), arrays (`items`), maps (`type: object` with
 * `additionalProperties`, strings when left out) and named types (`$ref: "#/types/<token>"`): an
 * object with a shape is declared once under `types` and every property refers to it.
 */
import type { ObjectTypeSpec, PropertySpec } from "../steps/contract";
import { PACKAGE_NAME } from "../vocabulary/tokens";

type Json = Record<string, unknown>;

/** The token of an object type: `vm-rescue:index:<name>`. */
export const typeToken = (t: Pick<ObjectTypeSpec, "name">): string =>
  `${PACKAGE_NAME}:index:${t.name}`;

/** The object types found so far, by token; a second shape under one name is an error. */
export type TypeTable = Record<string, Json>;

/** Adds a type to the table; throws when the token already names another shape. */
export function declareType(types: TypeTable, token: string, def: Json): void {
  const known = types[token];
  if (known && JSON.stringify(known) !== JSON.stringify(def))
    throw new Error(`the schema type ${token} is declared with two shapes`);
  types[token] = def;
}

/** The names of the properties that are always there. */
export function requiredOf(specs: { readonly [key: string]: { optional?: boolean } }): string[] {
  return Object.entries(specs)
    .filter(([, p]) => !p.optional)
    .map(([k]) => k);
}

/** The schema's declaration of an object type (its nested types go into the table too). */
export function objectTypeJson(t: ObjectTypeSpec, types: TypeTable): Json {
  return {
    type: "object",
    description: t.description,
    properties: propertiesJson(t.properties, types),
    required: requiredOf(t.properties),
  };
}

/** One property: a named type's `$ref`, an array's `items`, a map's `additionalProperties`. */
export function propertyJson(p: PropertySpec, types: TypeTable, withDescription = true): Json {
  let out: Json;
  if (p.objectType) {
    const token = typeToken(p.objectType);
    declareType(types, token, objectTypeJson(p.objectType, types));
    out = { $ref: `#/types/${token}` };
  } else {
    out = { type: p.type };
    if (p.type === "array") {
      if (!p.items) throw new Error(`an array without items: ${p.description}`);
      out.items = propertyJson(p.items, types, false);
    }
    if (p.type === "object") {
      out.additionalProperties = p.items ? propertyJson(p.items, types, false) : { type: "string" };
    }
  }
  if (withDescription) out.description = p.description;
  if (p.secret) out.secret = true;
  return out;
}

export function propertiesJson(
  specs: { readonly [key: string]: PropertySpec },
  types: TypeTable,
): Json {
  return Object.fromEntries(Object.entries(specs).map(([k, p]) => [k, propertyJson(p, types)]));
}
