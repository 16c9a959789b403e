/**
 * Rule parameters: one zod schema, defaults in one place. Configuration fills them from settings;
 * tests build them with `ruleParams({...})`.
 */
import { z } from 'zod';
import type { VulnerabilityPolicy } from '../domain/vulnerabilities.js';
import { compileImagePattern, compileRegistryPattern, glob, type ImageMatcher, type RegistryMatcher } from '../domain/patterns.js';

export const staleOverrideSchema = z.object({
  /** Repository pattern inside any registry, `*` matches any run of characters (`/` included). */
  repository: z.string().min(1),
  days: z.number().int().min(1).max(3650),
});

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
  /** Supply chain (issue 15): repositories whose tagged images must be signed (patterns, `*` spans `/`); none by default. */
  signatureRequired: z.array(z.string().min(1).max(256)).max(256).default([]),
  /** Minutes after a push during which a missing signature is not yet a failure (Notation signs after the push). */
  signatureGraceMinutes: z.number().int().min(0).max(10_080).default(30),
  /** SHA-256 thumbprints of approved signing certificates (any certificate of a signature's chain). */
  approvedSigners: z.array(z.string().regex(/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, 'expected a SHA-256 thumbprint (64 hex digits)')).max(256).default([]),
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
  /** Repository patterns where signatures are required (issue 15), matched in linear time. */
  signatureRequired: Array<{ pattern: string; matches: (repository: string) => boolean }>;
  signatureGraceMinutes: number;
  /** Upper-case hex, no separators. */
  approvedSigners: string[];
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
    signatureRequired: p.signatureRequired.map((pattern) => ({ pattern, matches: glob(pattern) })),
    signatureGraceMinutes: p.signatureGraceMinutes,
    approvedSigners: p.approvedSigners.map((t) => t.replace(/:/g, '').toUpperCase()),
  };
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
