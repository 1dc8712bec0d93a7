// A module that stands for a package and loads it on first use: for packages the Pulumi SDK
// requires when it loads but uses only to serialize a function (TypeScript, npm's Arborist), which
// no code here does. Under jest each test file loads the SDK again, and these two cost about half
// a second a file. jest.config.js maps the package names here; a use loads the real package (by
// its path, which the mapping does not catch) and forwards to it, so behaviour is the package's.
const path = require("node:path");

/**
 * `file`: the package's main file, under node_modules. `esModule`: answer `__esModule: true`
 * without loading, so TypeScript's `__importStar` hands the module over as it is instead of
 * copying every property (which would load it).
 */
module.exports = function lazyModule(file, { esModule = false } = {}) {
  let real;
  const load = () =>
    (real ??= require(path.join(__dirname, "..", "..", "..", "node_modules", file)));
  return new Proxy(
    {},
    {
      get: (_, key) => (esModule && key === "__esModule" ? true : load()[key]),
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
};
