import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA, ROOT, listBicepFiles } from './bicep.js';

/**
 * Built-in role definitions the infra may use, by GUID (identical in every tenant and cloud).
 * Sources: Azure built-in roles reference (MicrosoftDocs/azure-docs built-in-roles/*.md) and the
 * ACR roles directory reference.
 */
const ALLOWED_ROLES: Record<string, string> = {
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '43d0d8ad-25c7-4714-9337-8ba259a9fe05': 'Monitoring Reader',
  '73c42c96-874c-492b-b04d-ab87d138a893': 'Log Analytics Reader',
  'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7': 'Container Registry Repository Catalog Lister',
  'b93aa761-3e63-49ed-ac28-beffa264f7ac': 'Container Registry Repository Reader',
  '7f951dda-4ed3-4680-a7ca-43fe172d538d': 'AcrPull',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a': 'Storage Queue Data Message Sender',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': 'Key Vault Secrets Officer',
};

/** Roles the app may hold on its OWN resources (rbac.bicep): data roles only, plus telemetry and secrets. */
const OWN_RESOURCE_ROLES = new Set([
  'Storage Blob Data Owner',
  'Storage Blob Data Contributor',
  'Storage Queue Data Contributor',
  'Storage Queue Data Message Sender',
  'Storage Table Data Contributor',
  'Monitoring Metrics Publisher',
  'Key Vault Secrets User',
  'Key Vault Secrets Officer',
]);

/** Roles on AUDITED scopes: only in the separate infra/access deployment. */
const AUDITED_SCOPE_ROLES = new Set([
  'Reader',
  'Monitoring Reader',
  'Log Analytics Reader',
  'Container Registry Repository Catalog Lister',
  'Container Registry Repository Reader',
  'AcrPull',
]);

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const files = listBicepFiles().map((f) => ({ path: f.slice(ROOT.length + 1), lines: readFileSync(f, 'utf8').split('\n') }));

const commentOf = (line: string | undefined): string => /\/\/(.*)$/.exec(line ?? '')?.[1] ?? '';

describe('role definitions', () => {
  it('every GUID is an allowed built-in role, named in a comment on its line or the line above', () => {
    const problems: string[] = [];
    for (const { path, lines } of files) {
      lines.forEach((line, i) => {
        for (const guid of line.match(GUID) ?? []) {
          const name = ALLOWED_ROLES[guid.toLowerCase()];
          if (!name) problems.push(`${path}:${i + 1} ${guid} is not an allowed built-in role`);
          else if (!`${commentOf(line)} ${commentOf(lines[i - 1])}`.includes(name)) problems.push(`${path}:${i + 1} ${guid} needs a comment naming "${name}"`);
        }
      });
    }
    expect(problems).toEqual([]);
  });

  it('every roleDefinitionId names its role in a comment, and every assignment says why', () => {
    const problems: string[] = [];
    const names = Object.values(ALLOWED_ROLES);
    for (const { path, lines } of files) {
      lines.forEach((line, i) => {
        if (/^\s*roleDefinitionId:/.test(line)) {
          const comment = `${commentOf(line)} ${commentOf(lines[i - 1])}`;
          if (!names.some((n) => comment.includes(n))) problems.push(`${path}:${i + 1} roleDefinitionId without a comment naming the role`);
        }
        if (/^resource \w+ 'Microsoft\.Authorization\/roleAssignments@/.test(line)) {
          let j = i - 1;
          const block: string[] = [];
          while (j >= 0 && /^\s*\/\//.test(lines[j]!)) block.unshift(lines[j--]!);
          if (!/Why/.test(block.join(' '))) problems.push(`${path}:${i + 1} role assignment without a "Why:" comment above it`);
        }
      });
    }
    expect(problems).toEqual([]);
  });

  const rolesIn = (pathPrefix: string): Set<string> => {
    const found = new Set<string>();
    for (const { path, lines } of files) {
      if (!path.startsWith(pathPrefix)) continue;
      for (const line of lines) for (const g of line.match(GUID) ?? []) found.add(ALLOWED_ROLES[g.toLowerCase()] ?? g);
    }
    return found;
  };

  it('the app deployment (infra/ outside access/) grants only data roles on its own resources, all in modules/rbac.bicep', () => {
    const own = [...files].filter((f) => !f.path.startsWith(join('infra', 'access')));
    for (const { path, lines } of own) {
      const assigns = lines.some((l) => /'Microsoft\.Authorization\/roleAssignments@/.test(l));
      if (assigns) expect(path).toBe(join('infra', 'modules', 'rbac.bicep'));
    }
    const used = rolesIn(join('infra', 'modules'));
    for (const role of rolesIn('infra/main.bicep')) used.add(role);
    for (const role of used) expect(OWN_RESOURCE_ROLES, role).toContain(role);
  });

  it('audited-scope roles are granted only by the separate infra/access deployment', () => {
    const access = rolesIn(join('infra', 'access'));
    expect([...access].sort()).toEqual([...AUDITED_SCOPE_ROLES].sort());
    for (const role of access) expect(AUDITED_SCOPE_ROLES, role).toContain(role);
  });

  it('rbac.bicep holds the storage, telemetry and Key Vault roles the app and Event Grid need', () => {
    const rbac = readFileSync(join(INFRA, 'modules', 'rbac.bicep'), 'utf8');
    for (const role of ['Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Storage Table Data Contributor', 'Monitoring Metrics Publisher', 'Key Vault Secrets User', 'Storage Queue Data Message Sender', 'Storage Blob Data Contributor']) {
      expect(rbac).toContain(`// ${role}`);
    }
    // Event Grid's delivery identity is scoped to the one queue and the one container.
    expect(rbac).toMatch(/scope: storage::queueService::imagePushed/);
    expect(rbac).toMatch(/scope: storage::blobService::deadLetters/);
  });
});
