/** Where each kind of subject's results belong (scope partition, resource, subject string). */
import { subscriptionOf, subscriptionScopeOf } from '../domain/armIds.js';
import type { SubjectRef } from '../domain/finding.js';
import type { Subjects, RuleTarget } from './kit.js';

/** The findings partition of a registry and everything inside it. */
export function registryScope(registryId: string): string {
  return registryId.toLowerCase();
}

/** The findings partition of a subscription's workloads (and of its coverage gaps). */
export function subscriptionScope(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId.toLowerCase()}`;
}

export function imageSubject(loginServer: string, repository: string, digest: string): string {
  return `${loginServer}/${repository}@${digest}`;
}

/** A registry child resource (token, cache rule): its ARM id under the registry's, lower-case (ARM names are case-insensitive). */
export function registryChildSubject(registryId: string, kind: 'tokens' | 'cacheRules', name: string): string {
  return `${registryId}/${kind}/${name}`.toLowerCase();
}

/** A repository of a registry: `<loginServer>/<repository>` (an image subject without its `@digest`). */
export function repositorySubject(loginServer: string, repository: string): string {
  return `${loginServer}/${repository}`;
}

export function workloadImageSubject(containerName: string, image: string): string {
  return `container ${containerName} image ${image}`;
}

/** The scope partition a gap belongs to: a registry (ARM id) or a subscription. */
export function gapScope(scope: string): string {
  const sub = subscriptionScopeOf(scope);
  return sub ? subscriptionScope(sub) : scope.toLowerCase();
}

/** The `owner` tag of a resource (the key compared case-insensitively), when it is a non-empty string. */
export function ownerTag(tags: Readonly<Record<string, string>> | undefined): { owner?: string } {
  const key = Object.keys(tags ?? {}).find((k) => k.toLowerCase() === 'owner');
  const v = key ? tags![key] : undefined;
  return typeof v === 'string' && v.trim() ? { owner: v.trim() } : {};
}

export const subjectRefOf: { [T in RuleTarget]: (s: Subjects[T]) => SubjectRef } = {
  registry: ({ registry: r }) => ({
    scopeId: registryScope(r.id),
    resourceId: r.id,
    subject: r.id,
    subscriptionId: r.subscriptionId,
    registry: r.loginServer,
    ...ownerTag(r.tags),
  }),
  image: ({ registry: r, manifest: m }) => ({
    scopeId: registryScope(r.id),
    resourceId: r.id,
    subject: imageSubject(r.loginServer, m.repository, m.digest),
    subscriptionId: r.subscriptionId,
    registry: r.loginServer,
    ...ownerTag(r.tags),
  }),
  workload: ({ workload: w }) => ({
    scopeId: subscriptionScope(w.subscriptionId),
    resourceId: w.id,
    subject: w.id,
    subscriptionId: w.subscriptionId,
  }),
  workloadImage: ({ workload: w, container: c, reference }) => ({
    scopeId: subscriptionScope(w.subscriptionId),
    resourceId: w.id,
    subject: workloadImageSubject(c.name, c.image),
    subscriptionId: w.subscriptionId,
    ...(reference ? { registry: reference.registry } : {}),
    ...ownerTag(w.tags),
  }),
  subscription: ({ subscriptionId }) => ({
    scopeId: subscriptionScope(subscriptionId),
    resourceId: `/subscriptions/${subscriptionId.toLowerCase()}`,
    subject: `/subscriptions/${subscriptionId.toLowerCase()}`,
    subscriptionId: subscriptionId.toLowerCase(),
  }),
  registryToken: ({ registry: r, token }) => ({
    scopeId: registryScope(r.id),
    resourceId: r.id,
    subject: registryChildSubject(r.id, 'tokens', token.name),
    subscriptionId: r.subscriptionId,
    registry: r.loginServer,
    ...ownerTag(r.tags),
  }),
  cacheRule: ({ registry: r, cacheRule }) => ({
    scopeId: registryScope(r.id),
    resourceId: r.id,
    subject: registryChildSubject(r.id, 'cacheRules', cacheRule.name),
    subscriptionId: r.subscriptionId,
    registry: r.loginServer,
    ...ownerTag(r.tags),
  }),
  repository: ({ registry: r, repository }) => ({
    scopeId: registryScope(r.id),
    resourceId: r.id,
    subject: repositorySubject(r.loginServer, repository),
    subscriptionId: r.subscriptionId,
    registry: r.loginServer,
    ...ownerTag(r.tags),
  }),
  scope: (g) => {
    const sub = subscriptionOf(g.scope);
    return { scopeId: gapScope(g.scope), resourceId: g.scope, subject: g.scope, ...(sub ? { subscriptionId: sub } : {}) };
  },
};
