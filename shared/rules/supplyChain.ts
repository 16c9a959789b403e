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
import type { ManifestSnapshot, ReferrerFacts } from '../domain/snapshots.js';
import { signatureRequiredBy, type RuleParams } from './params.js';

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
