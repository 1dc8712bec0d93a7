/**
 * From raw evidence to the planner's facts: `collectFromEvidence` derives the collect document
 * from an evidence bundle through the readers, each fact with where it was read;
 * `loadEvidenceFolder` makes a bundle of a folder of evidence files.
 */
export { collectFromEvidence } from "./collectFromEvidence";
export type { EvidenceFacts } from "./collectFromEvidence";
export { loadEvidenceFolder, FOLDER_CAPS } from "./loadFolder";
export { DEFAULTS } from "./types";
export type { CollectFromEvidenceOptions, EvidenceFileInfo, FactCitation } from "./types";
export { bundleFromManifest, collectFromManifest } from "./fromManifest";
export type { FetchShipped } from "./fromManifest";
