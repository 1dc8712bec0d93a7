import type { RecordedResource } from "../../src/engine/simulate/mockRun";

/** Lookups over what a mock run registered; `one` fails the test unless exactly one resource has the type. */
export function registrations(resources: readonly RecordedResource[]) {
  const byType = (t: string) => resources.filter((r) => r.type === t);
  const one = (t: string): RecordedResource => {
    const found = byType(t);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const urnOf = (t: string) => one(t).urn;
  return { byType, one, urnOf };
}
