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
  };
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
