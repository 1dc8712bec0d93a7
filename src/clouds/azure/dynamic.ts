/**
 * How the rescue's dynamic providers are serialized.
 *
 * Pulumi serializes a dynamic provider into the state (`__provider`) and runs that text in its own
 * process for create, diff, update and — later, from the state — delete. Local modules would be
 * captured by value, which for the triage would mean the minidump parser, the driver table and the
 * planner, each a copy frozen into the state. Instead each method here captures two strings and
 * `require()`s the compiled implementation (`dist/src/clouds/azure/<module>.js`, built by
 * `npm install` / `npm run build`) when it runs, then asks its factory for the real provider. The
 * serialized text stays small and holds no code of ours; the SDK clients are created inside the
 * call. The price: `dist/` must exist where `pulumi up`/`destroy` runs (the same checkout).
 */
import * as path from "path";
import { packageRoot } from "../../vocabulary/packageRoot";
import type * as pulumi from "@pulumi/pulumi";

/** The compiled file of a module of this folder, whether this code runs from source or from dist. */
export function compiledModulePath(moduleBase: string): string {
  const fromDist = __filename.endsWith(".js");
  const dir = fromDist ? __dirname : path.join(packageRoot(), "dist", "src", "clouds", "azure");
  return path.join(dir, `${moduleBase}.js`);
}

/**
 * A provider that loads `factory()` of the compiled module on each call. The factory returns the
 * real provider (with real Azure clients); tests call the implementation's own factories with fakes.
 */
export function compiledProvider(
  moduleBase: string,
  factory: string,
): pulumi.dynamic.ResourceProvider {
  const file = compiledModulePath(moduleBase);
  const load = (): pulumi.dynamic.ResourceProvider => {
    const m = require(file);
    if (typeof m[factory] !== "function")
      throw new Error(`${file} has no ${factory}(); run npm run build`);
    return m[factory]();
  };
  return {
    create: (inputs) => load().create(inputs),
    diff: async (id, olds, news) => {
      const p = load();
      return p.diff ? p.diff(id, olds, news) : {};
    },
    update: async (id, olds, news) => {
      const p = load();
      return p.update ? p.update(id, olds, news) : {};
    },
    delete: async (id, props) => {
      const p = load();
      if (p.delete) await p.delete(id, props);
    },
  };
}

/** The constructor arguments of a dynamic resource: each input may be an Output. */
export type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Keys whose values differ (JSON comparison), for `diff`. */
export function changedKeys(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: readonly string[],
): string[] {
  return keys.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
}

/**
 * A provider around one idempotent routine: create and update run it (a changed gate or repair
 * re-runs it), delete changes nothing in Azure. On update the routine also gets the outputs the
 * previous run recorded (`olds`), e.g. what the swap found and kept.
 */
export function idempotentProvider<I extends object, O>(
  keys: readonly (keyof I)[],
  idOf: (i: I) => string,
  run: (i: I, olds?: O) => Promise<O>,
): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: I) {
      return { id: idOf(inputs), outs: await run(inputs) };
    },
    async diff(_id: string, olds: I, news: I) {
      const changed = changedKeys(
        olds as Record<string, unknown>,
        news as Record<string, unknown>,
        keys as readonly string[],
      );
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: O, news: I) {
      return { outs: await run(news, olds) };
    },
    async delete() {
      // Nothing: the rescue's dynamic resources never delete or undo anything in Azure.
    },
  };
}
