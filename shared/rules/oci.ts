/** OCI annotation keys and lookups shared by the image rules (pure helpers, not a rule). */
import type { ProvenanceFacts } from '../domain/snapshots.js';

export const OCI_SOURCE = 'org.opencontainers.image.source';
export const OCI_REVISION = 'org.opencontainers.image.revision';
export const OCI_BASE_NAME = 'org.opencontainers.image.base.name';

/**
 * The value of `key` on one manifest: its own annotations, then its config labels, then (for a
 * platform manifest inside an index) the index annotations it inherits. Blank values do not count.
 */
export function ociValue(node: ProvenanceFacts, key: string, inherited: Record<string, string> = {}): string | undefined {
  for (const source of [node.annotations, node.labels, inherited]) {
    const v = source[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/** The nodes that describe runnable images: the children of an index (with the index annotations inherited), else the manifest itself. */
export function platformsOf(p: ProvenanceFacts): Array<{ node: ProvenanceFacts; inherited: Record<string, string> }> {
  if (p.kind === 'index' && p.children.length > 0) return p.children.map((node) => ({ node, inherited: p.annotations }));
  return [{ node: p, inherited: {} }];
}

export function platformName(node: ProvenanceFacts): string {
  return node.platform ?? node.digest;
}
