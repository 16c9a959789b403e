// Fixture loading and typed builders for the event parser tests.
import { readFileSync } from 'node:fs';

export const FIXTURES = new URL('../fixtures/events/', import.meta.url);

export const TOPIC =
  '/subscriptions/0f6b3c8e-2d4a-4b7e-9c1d-3a5e7f9b2c4d/resourceGroups/rg-acr-prod/providers/Microsoft.ContainerRegistry/registries/contosoprod';

export const DIGEST_PUSH = 'sha256:213bbc182920ab41e18edc2001e06abcca6735d87782d9cef68abd83941cf0e5';
export const DIGEST_CHART = 'sha256:7f060075264b5ba7c14c23672698152ae6a3ebac1c47916e4efe19cd624d5fab';

/** A wire event as JSON, loosely typed so that tests can break it in any way. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wire = Record<string, any>;

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixture(name: string): unknown[] {
  return JSON.parse(fixtureText(name)) as unknown[];
}

/** A deep copy of the first event of a fixture file, to mutate in a test. */
export function firstEvent(name: string): Wire {
  return structuredClone(fixture(name)[0]) as Wire;
}

/** The fixture's first event after `mutate` ran on a copy. */
export function mutated(name: string, mutate: (e: Wire) => void): Wire {
  const e = firstEvent(name);
  mutate(e);
  return e;
}
