/**
 * Rule parameters: one zod schema, defaults in one place. Configuration fills them from settings;
 * tests build them with `ruleParams({...})`.
 */
import { z } from 'zod';
import type { VulnerabilityPolicy } from '../domain/vulnerabilities.js';
import { compileImagePattern, compileRegistryPattern, glob, type ImageMatcher, type RegistryMatcher } from '../domain/patterns.js';
import { compileTagPattern, MAX_TAG_PATTERN_LENGTH, type TagMatcher } from '../domain/tagPatterns.js';

export const staleOverrideSchema = z.object({
  /** Repository pattern inside any registry, `*` matches any run of characters (`/` included). */
  repository: z.string().min(1),
  days: z.number().int().min(1).max(3650),
});

/** Semantic versions, `1.2.3` or `v1.2.3` (no pre-release or build suffix): the default AUDITOR_LOCKED_TAG_PATTERNS. */
export const DEFAULT_LOCKED_TAG_PATTERN = 'v?\\d+\\.\\d+\\.\\d+';

export const ruleParamsSchema = z.object({
  approvedRegistries: z.array(z.string()).default([]),
  approvedBaseImages: z.array(z.string()).default([]),
  staleAfterDays: z.number().int().min(1).max(3650).default(90),
  staleOverrides: z.array(staleOverrideSchema).default([]),
  adminLookbackDays: z.number().int().min(1).max(730).default(30),
  /** Vulnerability rules: lowest CVE severity that counts, grace days per severity, CVEs without a fix. */
  vulnMinSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
  vulnGraceDays: z.partialRecord(z.enum(['low', 'medium', 'high', 'critical']), z.number().int().min(0).max(3650)).default({}),
  vulnIncludeUnfixed: z.boolean().default(false),
  /** Workload hardening (issue 14): Linux capabilities a container may add (upper case, CAP_ prefix optional), and how images must be pinned. */
  allowedCapabilities: z.array(z.string().regex(/^(CAP_)?[A-Z_]{2,32}$/)).max(64).default([]),
  pinPolicy: z.enum(['digest', 'tag']).default('tag'),
  /** Registry hardening (issue 13): the longest untagged-manifest retention accepted, and subscriptions whose private endpoints are trusted. */
  retentionMaxDays: z.number().int().min(0).max(365).default(30),
  trustedSubscriptions: z.array(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)).max(1000).default([]),
  /** Registry hardening (issue 13): the longest validity, in days from creation, of a repository-scoped token password. */
  tokenMaxDays: z.number().int().min(1).max(3650).default(90),
  /** Supply chain (issue 15): repositories whose tagged images must be signed (patterns, `*` spans `/`); none by default. */
  signatureRequired: z.array(z.string().min(1).max(256)).max(256).default([]),
  /** Minutes after a push during which a missing signature is not yet a failure (Notation signs after the push). */
  signatureGraceMinutes: z.number().int().min(0).max(10_080).default(30),
  /** SHA-256 thumbprints of approved signing certificates (any certificate of a signature's chain). */
  approvedSigners: z.array(z.string().regex(/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, 'expected a SHA-256 thumbprint (64 hex digits)')).max(256).default([]),
  /** Tags that must be locked (image.release-tags-locked): patterns of shared/domain/tagPatterns.ts; default semantic versions. */
  lockedTagPatterns: z.array(z.string().min(1).max(MAX_TAG_PATTERN_LENGTH)).max(32).default([DEFAULT_LOCKED_TAG_PATTERN]),
  /** registry.untagged-manifests-pruned: untagged manifests older than this many days are dangling. */
  untaggedMaxDays: z.number().int().min(1).max(3650).default(30),
  /** Who may change registry content (issue 13): principal object ids or patterns (`*` any run of characters), compared case-insensitively. */
  registryWriters: z.array(z.string().min(1).max(256)).max(256).default([]),
  /** Identities that may push images (issue 13): names as ACR records them (Event Grid actor.name, the logs' Identity) or patterns. */
  approvedPushers: z.array(z.string().min(1).max(256)).max(256).default([]),
});

export type RuleParamsInput = z.input<typeof ruleParamsSchema>;

/** Parameters with their patterns compiled once. */
export interface RuleParams {
  approvedRegistries: RegistryMatcher[];
  approvedBaseImages: ImageMatcher[];
  staleAfterDays: number;
  staleOverrides: Array<{ pattern: string; matches: (repository: string) => boolean; days: number }>;
  adminLookbackDays: number;
  vulnerabilities: VulnerabilityPolicy;
  /** Capability names without the CAP_ prefix, upper case. */
  allowedCapabilities: string[];
  pinPolicy: 'digest' | 'tag';
  retentionMaxDays: number;
  /** Lower-case subscription ids (AUDITOR_SUBSCRIPTION_IDS and AUDITOR_TRUSTED_SUBSCRIPTIONS). */
  trustedSubscriptions: string[];
  /** registry.token-passwords-expire: longest token password validity (days from its creation). */
  tokenMaxDays: number;
  /** Repository patterns where signatures are required (issue 15), matched in linear time. */
  signatureRequired: Array<{ pattern: string; matches: (repository: string) => boolean }>;
  signatureGraceMinutes: number;
  /** Upper-case hex, no separators. */
  approvedSigners: string[];
  /** Tag patterns whose tags must be locked (issue 15), matched in linear time. */
  lockedTagPatterns: TagMatcher[];
  untaggedMaxDays: number;
  /** AUDITOR_REGISTRY_WRITERS, compiled (linear-time, case-insensitive globs). */
  registryWriters: Array<{ pattern: string; matches: (text: string) => boolean }>;
  /** AUDITOR_APPROVED_PUSHERS, compiled (linear-time, case-insensitive globs). */
  approvedPushers: Array<{ pattern: string; matches: (text: string) => boolean }>;
}

/** Validates and compiles parameters; throws `PatternError` / `ZodError` naming what is wrong. */
export function ruleParams(input: RuleParamsInput = {}): RuleParams {
  const p = ruleParamsSchema.parse(input);
  return {
    approvedRegistries: p.approvedRegistries.map(compileRegistryPattern),
    approvedBaseImages: p.approvedBaseImages.map(compileImagePattern),
    staleAfterDays: p.staleAfterDays,
    staleOverrides: p.staleOverrides.map((o) => {
      // A linear-time glob (`*` spans '/'), never a regex built from the pattern: repository names come from outside.
      return { pattern: o.repository, days: o.days, matches: glob(o.repository) };
    }),
    adminLookbackDays: p.adminLookbackDays,
    vulnerabilities: { minSeverity: p.vulnMinSeverity, graceDays: { ...p.vulnGraceDays }, includeUnfixed: p.vulnIncludeUnfixed },
    allowedCapabilities: p.allowedCapabilities.map(capabilityName),
    pinPolicy: p.pinPolicy,
    retentionMaxDays: p.retentionMaxDays,
    trustedSubscriptions: [...new Set(p.trustedSubscriptions.map((s) => s.toLowerCase()))],
    tokenMaxDays: p.tokenMaxDays,
    signatureRequired: p.signatureRequired.map((pattern) => ({ pattern, matches: glob(pattern) })),
    signatureGraceMinutes: p.signatureGraceMinutes,
    approvedSigners: p.approvedSigners.map((t) => t.replace(/:/g, '').toUpperCase()),
    lockedTagPatterns: p.lockedTagPatterns.map(compileTagPattern),
    untaggedMaxDays: p.untaggedMaxDays,
    registryWriters: p.registryWriters.map(identityPattern),
    approvedPushers: p.approvedPushers.map(identityPattern),
  };
}

/** The first locked-tag pattern a tag matches, if any (image.release-tags-locked). */
export function lockedTagPatternOf(params: RuleParams, tag: string): string | undefined {
  return params.lockedTagPatterns.find((p) => p.matches(tag))?.pattern;
}

/** The first signature-required pattern matching a repository, if any (issue 15). */
export function signatureRequiredBy(params: RuleParams, repository: string): string | undefined {
  return params.signatureRequired.find((p) => p.matches(repository))?.pattern;
}

/** The stale limit for one repository: the first matching override, else the default. */
export function staleLimitFor(params: RuleParams, repository: string): number {
  return params.staleOverrides.find((o) => o.matches(repository))?.days ?? params.staleAfterDays;
}

export function isApprovedRegistry(params: RuleParams, loginServer: string): boolean {
  return params.approvedRegistries.some((m) => m.matches(loginServer));
}

/** A Linux capability name as compared: upper case, without the `CAP_` prefix (ACI takes either). */
export function capabilityName(raw: string): string {
  return raw.trim().toUpperCase().replace(/^CAP_/, '');
}

/** An identity allow-list entry: `*` matches any run of characters, case-insensitively, in linear time (glob). */
function identityPattern(raw: string): { pattern: string; matches: (text: string) => boolean } {
  const pattern = raw.trim();
  const m = glob(pattern, { caseInsensitive: true, starMatches: () => true });
  return { pattern, matches: (text) => text.length <= 1_024 && m(text) };
}

/** Whether a principal (object id, or a display name where one is known) is on AUDITOR_REGISTRY_WRITERS. */
export function isApprovedWriter(params: RuleParams, ...names: Array<string | undefined>): boolean {
  return names.some((n) => n !== undefined && n !== '' && params.registryWriters.some((p) => p.matches(n)));
}

/** Whether an identity that pushed an image is on AUDITOR_APPROVED_PUSHERS. */
export function isApprovedPusher(params: RuleParams, identity: string): boolean {
  return identity !== '' && params.approvedPushers.some((p) => p.matches(identity));
}
