// Stack traces under jest, which maps every frame of every stack through the source maps.
//
// 1. Jest raises Error.stackTraceLimit to 100 for its failure reports. Node's default of 10 frames
//    is what a failure report shows here.
// 2. Pulumi's runtime captures a stack for every promise it makes, one per property of every
//    resource (`new Error().stack` in runtime/debuggable.js), for its report of leaked promises.
//    Mapped through the source maps, those stacks were a quarter of a mocked program's run. They
//    are formatted as Node formats them, unmapped; every other stack (a failure, an error a test
//    reads) is still mapped to the TypeScript lines.
//
// Jest installs its source-map formatter (Error.prepareStackTrace) after the setup files, and some
// code sets its own for a moment and puts the previous one back. So the property is kept here:
// whatever is assigned is stored, and what is read is that function behind a check that passes
// Pulumi's promise stacks (a bare `new Error()` made in debuggable.js) to the plain format; an
// error thrown there with a message is mapped as any other.
Error.stackTraceLimit = 10;

const PROMISE_STACK = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;
const plain = (error, frames) =>
  `${Error.prototype.toString.call(error)}${frames.map((f) => `\n    at ${f}`).join("")}`;

const wrappers = new WeakMap();
const originals = new WeakMap();
function wrap(format) {
  if (typeof format !== "function") return format;
  let w = wrappers.get(format);
  if (!w) {
    w = (error, frames) =>
      error?.message === "" && PROMISE_STACK.test(frames[0]?.getFileName() ?? "")
        ? plain(error, frames)
        : format(error, frames);
    wrappers.set(format, w);
    originals.set(w, format);
  }
  return w;
}

let current = Error.prepareStackTrace;
Object.defineProperty(Error, "prepareStackTrace", {
  configurable: true,
  enumerable: false,
  get: () => wrap(current),
  set: (format) => {
    current = originals.get(format) ?? format;
  },
});
