import { describe, expect, it } from 'vitest';
import { workloadImageFromApprovedRegistry as rule } from '../../shared/rules/workload.image-from-approved-registry.js';
import { aWorkloadImage, ctx } from './builders.js';

describe('workload.image-from-approved-registry', () => {
  it.each([
    { image: 'contosoprod.azurecr.io/team/api:1.0.0', registry: 'contosoprod.azurecr.io', status: 'pass' },
    { image: 'CONTOSOPROD.AZURECR.IO/team/api@sha256:' + 'e'.repeat(64), registry: 'contosoprod.azurecr.io', status: 'pass' },
    { image: 'mcr.microsoft.com/dotnet/aspnet:8.0', registry: 'mcr.microsoft.com', status: 'pass' },
    { image: 'nginx', registry: 'docker.io', status: 'fail' },
    { image: 'library/nginx:1.27', registry: 'docker.io', status: 'fail' },
    { image: 'index.docker.io/library/nginx:1.27', registry: 'docker.io', status: 'fail' },
    { image: 'ghcr.io/someone/tool:latest', registry: 'ghcr.io', status: 'fail' },
    { image: 'contoso.evil.azurecr.io/team/api:1', registry: 'contoso.evil.azurecr.io', status: 'fail' },
  ])('$image -> $status', ({ image, registry, status }) => {
    const e = rule.evaluate(aWorkloadImage({ image, containerName: 'web', role: 'sidecar' }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ image, registry, container: 'web', workloadKind: 'containerApp', role: 'sidecar' });
  });

  it('honours the configured patterns exactly', () => {
    const only = ctx({ approvedRegistries: ['contoso*.azurecr.io'] });
    expect(rule.evaluate(aWorkloadImage({ image: 'contosodev.azurecr.io/team/api:1' }), only).status).toBe('pass');
    expect(rule.evaluate(aWorkloadImage({ image: 'shadow.azurecr.io/team/api:1' }), only).status).toBe('fail');
  });

  it('fails an unparsable image with the reason', () => {
    const e = rule.evaluate(aWorkloadImage({ image: 'Contoso/API:latest', workload: { kind: 'webApp' }, role: 'init' }), ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ image: 'Contoso/API:latest', container: 'api', workloadKind: 'webApp', role: 'init' });
    expect(e.evidence?.referenceError).toEqual(expect.stringContaining('lower-case'));
    expect(e.message).toContain('lower-case');
  });
});
