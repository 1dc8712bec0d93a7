// Jest raises Error.stackTraceLimit to 100 for its failure reports. Pulumi's runtime captures a
// stack for every promise it makes (runtime/debuggable.js), and under jest each frame is mapped
// through the source maps: with 100 frames that is a quarter of a mocked program's run. Node's
// default of 10 frames is what a failure report shows here.
Error.stackTraceLimit = 10;
