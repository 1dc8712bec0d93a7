/**
 * The image phase: offline servicing with the helper's own DISM and SFC. Planned only when the
 * helper is not older than the image (servicing a newer image is unsupported) and, for
 * RestoreHealth, with a source that matches the image (its own WinSxS cannot repair itself).
 */
import type { RepairAction } from "../../collect/contract";
import { PlanError } from "../../vocabulary/errors";
import type { ImageOp } from "./types";

export interface ImageOptions {
  imageBuild?: number | null;
  helperBuild?: number | null;
  repairSource?: string | null;
  checkOnly?: boolean;
}

const SOURCE_PATTERN =
  /^(?:(?:wim|esd):[A-Za-z]:\\[^:*?"<>|]{1,200}:[0-9]{1,3}|[A-Za-z]:\\[^:*?"<>|]{1,200})$/i;

/** One image operation; the executor refuses it on a helper below `minHelperBuild`. */
export function imageOp(
  action: RepairAction["action"],
  op: ImageOp["op"],
  extra: { publishedInf?: string; source?: string },
  opts: ImageOptions,
): ImageOp {
  const image = opts.imageBuild ?? null;
  const helper = opts.helperBuild ?? null;
  if (image === null && !opts.checkOnly) {
    throw new PlanError(
      "unexpected-evidence",
      `${action}: the image's Windows build is unknown, so the helper's DISM/SFC cannot be checked against it; nothing is planned`,
    );
  }
  if (helper !== null && image !== null && helper < image) {
    throw new PlanError(
      "invalid-option",
      `${action}: the helper runs Windows build ${helper}, older than the image's ${image}: its DISM/SFC cannot service that image; use a helper of build ${image} or later`,
    );
  }
  const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
  return {
    phase: "image",
    op,
    action,
    target: "the offline Windows image",
    undo: null,
    ...defined,
    minHelperBuild: image,
  };
}

/** RestoreHealth's source, checked: never the image's own component store. */
export function repairSourceOf(opts: ImageOptions): string {
  const source = opts.repairSource ?? null;
  if (source === null || !SOURCE_PATTERN.test(source)) {
    throw new PlanError(
      "invalid-option",
      `DismRestoreHealth needs a repair source that matches the image (wim:<path>:<index>, esd:<path>:<index> or a folder), got ${JSON.stringify(source)}: the image's own WinSxS cannot repair itself (0x800f081f)`,
    );
  }
  if (/\\Windows\\WinSxS\\?$/i.test(source)) {
    throw new PlanError(
      "invalid-option",
      `DismRestoreHealth: ${source} is a component store, not a source that matches the image`,
    );
  }
  return source;
}
