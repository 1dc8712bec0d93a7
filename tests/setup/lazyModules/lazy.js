// A module that stands for a package and loads it on first use: for packages the Pulumi SDK
// requires when it loads but uses only to serialize a function (TypeScript, npm's Arborist), which
// no code here does. Under jest each test file loads the SDK again, and these two cost about half
// a second a file. jest.config.js maps the package names here; a use loads the real package (by a
// path inside it, which the mapping does not catch) and forwards to it, so behaviour is the
// package's. LOADED tells, without loading it, whether it has been loaded.
const LOADED = Symbol.for("vm-rescue.lazyModule.loaded");

/**
 * `load`: requires the package's main file. `esModule`: answer `__esModule: true` without loading,
 * so TypeScript's `__importStar` hands the module over as it is instead of copying every property
 * (which would load it). The stand-in is an object: where the package exports a function (Arborist's
 * class), the stand-in cannot be called, and a default import reads the package's own `default`
 * (none): code here and in the Pulumi SDK reads its properties only (`Arborist`).
 */
module.exports = function lazyModule(load, { esModule = false } = {}) {
  let real;
  const module = () => (real ??= load());
  const own = (key) => esModule && key === "__esModule";
  return new Proxy(
    {},
    {
      get: (_, key) => (key === LOADED ? real !== undefined : own(key) ? true : module()[key]),
      has: (_, key) => key === LOADED || own(key) || key in module(),
      ownKeys: () => [
        ...new Set([...(esModule ? ["__esModule"] : []), ...Reflect.ownKeys(module())]),
      ],
      getOwnPropertyDescriptor: (_, key) => {
        if (own(key))
          return { value: true, writable: false, enumerable: false, configurable: true };
        const d = Reflect.getOwnPropertyDescriptor(module(), key);
        return d && { ...d, configurable: true };
      },
      set: (_, key, value) => Reflect.set(module(), key, value),
      // A property the empty target does not hold cannot be reported non-configurable: refused.
      defineProperty: (_, key, d) =>
        d.configurable !== false && Reflect.defineProperty(module(), key, d),
      deleteProperty: (_, key) => Reflect.deleteProperty(module(), key),
      // Freezing the stand-in would freeze its empty target and break every later answer.
      preventExtensions: () => false,
    },
  );
};
module.exports.LOADED = LOADED;
