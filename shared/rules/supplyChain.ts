/**
 * Supply-chain facts shared by the signing rules (issue 15): pure helpers over a manifest's OCI 1.1 referrers,
 * not a rule.
 *
 * Notary Project signatures (Notation), as the Notary Project signature specification stores them in an OCI
 * registry (https://github.com/notaryproject/specifications/blob/main/specs/signature-specification.md,
 * "Storage"): an OCI image manifest whose `artifactType` is `application/vnd.cncf.notary.signature`, whose
 * `subject` is the signed manifest, and whose REQUIRED annotation `io.cncf.notary.x509chain.thumbprint#S256`
 * is a JSON array of the SHA-256 thumbprints (hex) of the signing certificate chain, leaf first. The referrers
 * API copies the artifact type and annotations into each descriptor (OCI distribution spec, "Listing
 * Referrers"), so the signer's chain is known without pulling the signature.
 *
 * What this does NOT do: verify a signature. The envelope is not downloaded, its cryptographic signature, the
 * certificate chain's validity, expiry, revocation and the trust policy are not evaluated: that is the job of
 * a verifier at deployment time (an admission controller such as Ratify, or `notation verify`).
 */
import type { ManifestSnapshot, ReferrerFacts, TagAttributeFacts } from '../domain/snapshots.js';
import { lockedTagPatternOf, signatureRequiredBy, type RuleParams } from './params.js';

export const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
export const NOTATION_THUMBPRINTS = 'io.cncf.notary.x509chain.thumbprint#S256';

/** The Notary Project signatures among a manifest's referrers. */
export function notationSignatures(referrers: readonly ReferrerFacts[]): ReferrerFacts[] {
  return referrers.filter((r) => r.artifactType === NOTATION_SIGNATURE);
}

/**
 * The certificate-chain thumbprints of one signature (upper-case hex), or `undefined` when the annotation is
 * absent or not a JSON array of strings (a malformed signature names no signer).
 */
export function signatureThumbprints(signature: ReferrerFacts): string[] | undefined {
  const raw = signature.annotations[NOTATION_THUMBPRINTS];
  if (raw === undefined || raw.length > 16_384) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string')) return undefined;
  return (parsed as string[]).map(thumbprint);
}

/** A SHA-256 thumbprint as compared: hex, upper case, without separators (`:` or spaces). */
export function thumbprint(raw: string): string {
  return raw.replace(/[\s:]/g, '').toUpperCase();
}

export const SHA256_THUMBPRINT = /^[0-9A-F]{64}$/;

/** The rules that read a manifest's referrers. */
export const REFERRER_RULE_IDS: ReadonlySet<string> = new Set(['image.signed', 'image.signed-by-approved-signer', 'image.attested']);

/**
 * Whether an audit should pay one referrers call for this manifest (issue 15, cost): only when a rule that reads
 * referrers runs, only for a tagged manifest, and only in a repository where signatures are required.
 */
export function referrersNeeded(ruleIds: Iterable<string>, params: RuleParams, manifest: Pick<ManifestSnapshot, 'repository' | 'tags'>): boolean {
  if (manifest.tags.length === 0 || signatureRequiredBy(params, manifest.repository) === undefined) return false;
  for (const id of ruleIds) if (REFERRER_RULE_IDS.has(id)) return true;
  return false;
}

/**
 * Artifact types of SBOMs and provenance attestations attached as referrers: SPDX and CycloneDX SBOMs (as `oras attach`
 * and Microsoft's SBOM tooling push them), in-toto attestations and SLSA provenance (as in-toto statements or DSSE
 * envelopes, e.g. Docker / BuildKit and the Notary ecosystem), compared case-insensitively.
 */
export const ATTESTATION_ARTIFACT_TYPES: readonly string[] = [
  'application/spdx+json',
  'application/vnd.spdx+json',
  'text/spdx',
  'application/vnd.cyclonedx+json',
  'application/vnd.cyclonedx+xml',
  'application/vnd.in-toto+json',
  'application/vnd.dsse.envelope.v1+json',
  'https://slsa.dev/provenance/v1',
  'https://slsa.dev/provenance/v0.2',
];
const ATTESTATION_SET = new Set(ATTESTATION_ARTIFACT_TYPES);

/** The SBOM and provenance referrers of a manifest. */
export function attestations(referrers: readonly ReferrerFacts[]): ReferrerFacts[] {
  return referrers.filter((r) => r.artifactType !== undefined && ATTESTATION_SET.has(r.artifactType.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------
// Release tags, dangling manifests and running images (issue 15, second part)
// ---------------------------------------------------------------------------------------------

export const RELEASE_TAGS_RULE_ID = 'image.release-tags-locked';
export const UNTAGGED_RULE_ID = 'registry.untagged-manifests-pruned';
export const WORKLOAD_SIGNED_RULE_ID = 'workload.image-signed';

/** Tags of one manifest considered by image.release-tags-locked: bounds what a manifest with thousands of tags costs. */
export const MAX_RELEASE_TAGS_PER_MANIFEST = 100;

/** The manifest's tags matching AUDITOR_LOCKED_TAG_PATTERNS (at most MAX_RELEASE_TAGS_PER_MANIFEST, in listing order). */
export function releaseTagsOf(params: RuleParams, tags: readonly string[]): string[] {
  if (params.lockedTagPatterns.length === 0) return [];
  const out: string[] = [];
  for (const t of tags) {
    if (lockedTagPatternOf(params, t) !== undefined) out.push(t);
    if (out.length >= MAX_RELEASE_TAGS_PER_MANIFEST) break;
  }
  return out;
}

/** A tag can be neither re-pointed nor deleted: both attributes reported false. */
export function tagLocked(t: Pick<TagAttributeFacts, 'writeEnabled' | 'deleteEnabled'>): boolean {
  return t.writeEnabled === false && t.deleteEnabled === false;
}

/** A tag that can be re-pointed or deleted: one attribute reported true (absent attributes decide nothing). */
export function tagWritable(t: Pick<TagAttributeFacts, 'writeEnabled' | 'deleteEnabled'>): boolean {
  return t.writeEnabled === true || t.deleteEnabled === true;
}

/**
 * Whether a signature among `referrers` carries an approved certificate in its chain (image.signed-by-approved-signer's
 * test, shared with workload.image-signed): the approved thumbprint found, the signatures, and their leaf signers (at most 10).
 */
export function approvedSignature(referrers: readonly ReferrerFacts[], params: RuleParams): { match?: string; signatures: number; signers: string[] } {
  const signatures = notationSignatures(referrers);
  const approved = new Set(params.approvedSigners);
  const chains = signatures.map(signatureThumbprints);
  const match = chains.flatMap((c) => c ?? []).find((t) => approved.has(t));
  const signers = [...new Set(chains.map((c) => c?.[0] ?? 'malformed'))].slice(0, 10);
  return { ...(match ? { match } : {}), signatures: signatures.length, signers };
}

/** Media types of multi-arch indexes (OCI image index, Docker manifest list). */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
/** Config media types of runnable images; any other config marks an OCI artifact (a signature, an SBOM, a Helm chart). */
export const IMAGE_CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
/** The ORAS artifact manifest (OCI 1.1 release candidates; ACR stores signatures and SBOMs pushed with it). */
export const ARTIFACT_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.artifact.manifest.v1+json';

/**
 * What an untagged manifest is, from what the ACR manifest listing says about it (`mediaType`, `configMediaType`,
 * `architecture`, `os`): an `index` (an untagged multi-arch index is a dangling image), an `image` (a platform
 * manifest: dangling, or a platform of a tagged index), or an `artifact` (ORAS artifact manifest, a non-image
 * config, or no platform at all: ACR fills architecture and os from an image config only, so signatures, SBOMs and
 * attestations, which are referrers of an image, have none). The listing carries no `subject` or `artifactType`: an
 * artifact with a subject cannot be told from one without (so no artifact is counted), and it names no index children.
 */
export function untaggedKindOf(m: Pick<ManifestSnapshot, 'mediaType' | 'configMediaType' | 'architecture' | 'os'>): 'index' | 'image' | 'artifact' {
  if (m.mediaType !== undefined && INDEX_MEDIA_TYPES.has(m.mediaType)) return 'index';
  if (m.mediaType === ARTIFACT_MANIFEST_MEDIA_TYPE) return 'artifact';
  if (m.configMediaType !== undefined && !IMAGE_CONFIG_MEDIA_TYPES.has(m.configMediaType)) return 'artifact';
  return m.architecture || m.os ? 'image' : 'artifact';
}

