import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../estates/examples/generate.js';
import { toRegistrySnapshot, toWorkloadSnapshot } from '../../shared/inventory/mappers.js';
import { RESOURCE_TYPES } from '../../shared/inventory/queries.js';
import { isWorkloadType } from '../../shared/domain/workloadKinds.js';
import { estateSchema } from './estateSchema.js';

describe('example estate files', () => {
  for (const [file, build] of Object.entries(EXAMPLES)) {
    describe(file, () => {
      const text = readFileSync(new URL(`../../estates/examples/${file}`, import.meta.url), 'utf8');
      const json = JSON.parse(text) as Record<string, unknown>;

      it('is what estates/examples/generate.ts builds (regenerate with: npx tsx estates/examples/generate.ts)', () => {
        expect(json).toEqual(JSON.parse(JSON.stringify(build())));
      });

      it('has only the ESTATE.md top-level keys and maps with the real mappers', () => {
        const parsed = estateSchema.safeParse(json);
        expect(parsed.error).toBeUndefined();
        const resources = parsed.data!.resources;
        expect(resources.some((r) => r.type === RESOURCE_TYPES.registry)).toBe(true);
        for (const r of resources.filter((x) => x.type === RESOURCE_TYPES.registry)) expect(() => toRegistrySnapshot(r)).not.toThrow();
        for (const w of resources.filter((x) => isWorkloadType(x.type))) expect(() => toWorkloadSnapshot(w)).not.toThrow();
      });

      it('is small and pinned in 2026 (no date after the end of 2026, recent activity in 2026)', () => {
        expect(text.length).toBeLessThan(100_000);
        const times = [...text.matchAll(/"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)"/g)].map((m) => m[1]!);
        expect(times.length).toBeGreaterThan(0);
        expect(times.every((t) => t < '2027')).toBe(true);
        expect(times.some((t) => t.startsWith('2026-'))).toBe(true);
      });
    });
  }
});
