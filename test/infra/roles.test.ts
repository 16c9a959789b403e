import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicepFiles } from '../../scripts/bicep.js';
import { ACCESS, ROOT, accessSnapshot, mainFull, resourcesOfType, roleAssignments, type RoleAssignment, type Snapshot } from './deployments.js';

/**
 * Built-in role definitions the infra may use, by GUID (identical in every tenant and cloud).
 * Sources: Azure built-in roles reference (learn.microsoft.com/azure/role-based-access-control/built-in-roles)
 * and the ACR roles directory reference (container-registry-rbac-built-in-roles-directory-reference).
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

/** Roles on the auditor's OWN resources (rbac.bicep): data roles only, plus telemetry and secrets. */
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
const files = bicepFiles().map((f) => ({ path: relative(ROOT, f).split('\\').join('/'), lines: readFileSync(f, 'utf8').split('\n') }));
const commentOf = (line: string | undefined): string => /\/\/(.*)$/.exec(line ?? '')?.[1] ?? '';
const roleName = (a: RoleAssignment): string => ALLOWED_ROLES[a.roleGuid] ?? `unknown role ${a.roleGuid}`;

let main: RoleAssignment[];
let access: RoleAssignment[];
let mainSnap: Snapshot;

beforeAll(() => {
  mainSnap = mainFull();
  main = roleAssignments(mainSnap);
  access = roleAssignments(accessSnapshot());
});

describe('role definitions in the Bicep source (what the compiler cannot check)', () => {
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

  it('the app deployment (infra/ outside access/) assigns roles only in modules/rbac.bicep', () => {
    for (const { path, lines } of files.filter((f) => !f.path.startsWith('infra/access/'))) {
      if (lines.some((l) => /'Microsoft\.Authorization\/roleAssignments@/.test(l))) expect(path).toBe('infra/modules/rbac.bicep');
    }
  });
});

describe('role assignments the compiled deployments make', () => {
  it('the app deployment grants only data, telemetry and secret roles on its own resources', () => {
    expect(main.length).toBeGreaterThanOrEqual(8);
    for (const a of main) expect(OWN_RESOURCE_ROLES, roleName(a)).toContain(roleName(a));
    const rg = resourcesOfType(mainSnap, 'Microsoft.Resources/resourceGroups')[0]!.name;
    for (const a of main) expect(a.scope, roleName(a)).toContain(`/resourceGroups/${rg}/providers/`);
  });

  it("Event Grid's delivery identity is scoped to the one queue and the one dead-letter container", () => {
    const sender = main.filter((a) => roleName(a) === 'Storage Queue Data Message Sender');
    const deadLetter = main.filter((a) => roleName(a) === 'Storage Blob Data Contributor');
    expect(sender.map((a) => a.scope)).toEqual([expect.stringMatching(/\/queueServices\/default\/queues\/image-pushed$/)]);
    expect(deadLetter.map((a) => a.scope)).toEqual([expect.stringMatching(/\/blobServices\/default\/containers\/deadletters$/)]);
    for (const a of [...sender, ...deadLetter]) expect(a.principalId).toMatch(/userAssignedIdentities\/id-egdelivery-/);
  });

  it('the app identity holds the storage, telemetry and Key Vault roles it needs; the operator only Secrets Officer', () => {
    const app = main.filter((a) => /userAssignedIdentities\/id-auditor-/.test(a.principalId)).map(roleName).sort();
    expect(app).toEqual(['Key Vault Secrets User', 'Monitoring Metrics Publisher', 'Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Storage Table Data Contributor']);
    const operator = main.filter((a) => a.principalId === '22222222-2222-2222-2222-222222222222');
    expect(operator.map(roleName)).toEqual(['Key Vault Secrets Officer']);
    expect(operator[0]!.principalType).toBe('User');
  });

  it('audited-scope roles are granted only by infra/access, to the auditor identity, on the narrowest scope', () => {
    expect(new Set(access.map(roleName))).toEqual(AUDITED_SCOPE_ROLES);
    for (const a of access) {
      expect(a.principalId).toBe(ACCESS.auditorPrincipalId);
      expect(a.principalType).toBe('ServicePrincipal');
    }
    const scopes = Object.fromEntries([...AUDITED_SCOPE_ROLES].map((r) => [r, access.filter((a) => roleName(a) === r).map((a) => a.scope.replace(/^\/subscriptions\/[^/]+/, ''))]));
    expect(scopes).toEqual({
      Reader: [''],
      'Monitoring Reader': [''],
      'Log Analytics Reader': ['/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/log-platform'],
      // ABAC-mode registry: Catalog Lister + Repository Reader; RBAC-only registry: AcrPull.
      'Container Registry Repository Catalog Lister': ['/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosoprod'],
      'Container Registry Repository Reader': ['/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosoprod'],
      AcrPull: ['/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosolegacy'],
    });
  });

  it('no role outside the allow-list is assigned anywhere', () => {
    for (const a of [...main, ...access]) expect(ALLOWED_ROLES, a.roleGuid).toHaveProperty(a.roleGuid);
  });
});
