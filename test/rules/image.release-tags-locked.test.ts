import { describe, expect, it } from 'vitest';
import { imageReleaseTagsLocked as rule } from '../../shared/rules/image.release-tags-locked.js';
import type { ImageFacts, ReleaseTagFacts, TagAttributeFacts } from '../../shared/domain/snapshots.js';
import { anImage, ctx, DIGEST } from './builders.js';

const tag = (name: string, writeEnabled?: boolean, deleteEnabled?: boolean): TagAttributeFacts => ({
  name,
  digest: DIGEST,
  ...(writeEnabled !== undefined ? { writeEnabled } : {}),
  ...(deleteEnabled !== undefined ? { deleteEnabled } : {}),
});

function image(tags: string[], releaseTags?: ReleaseTagFacts): ImageFacts {
  const i = anImage({ manifest: { tags } });
  return releaseTags ? { ...i, releaseTags } : i;
}

describe('image.release-tags-locked', () => {
  it.each([
    { name: 'locked (write and delete disabled)', attrs: [tag('1.4.2', false, false)], status: 'pass' },
    { name: 'writable', attrs: [tag('1.4.2', true, false)], status: 'fail' },
    { name: 'deletable only', attrs: [tag('1.4.2', false, true)], status: 'fail' },
  ])('$name -> $status', ({ attrs, status }) => {
    expect(rule.evaluate(image(['1.4.2'], { tags: attrs }), ctx()).status).toBe(status);
  });

  it('names every writable release tag, and only release tags count (default pattern: semantic versions)', () => {
    const e = rule.evaluate(image(['1.4.2', 'v1.4.2', 'latest', '1.4.2-rc1'], { tags: [tag('1.4.2', true, true), tag('v1.4.2', false, false)], repository: { writeEnabled: true, deleteEnabled: true } }), ctx());
    expect(e).toMatchObject({ status: 'fail', evidence: { releaseTags: ['1.4.2', 'v1.4.2'], writable: [{ tag: '1.4.2', writeEnabled: true, deleteEnabled: true }] } });
    expect(e.message).toContain('1.4.2');
    expect(e.message).not.toContain('latest');
  });

  it('passes a writable tag in a repository locked as a whole', () => {
    const e = rule.evaluate(image(['1.4.2'], { tags: [tag('1.4.2', true, true)], repository: { writeEnabled: false, deleteEnabled: false } }), ctx());
    expect(e).toMatchObject({ status: 'pass', evidence: { repositoryLocked: true } });
  });

  it('uses the configured patterns', () => {
    const p = ctx({ lockedTagPatterns: ['release-\\d+'] });
    expect(rule.evaluate(image(['release-42'], { tags: [{ ...tag('release-42', true, true) }], repository: { writeEnabled: true, deleteEnabled: true } }), p).status).toBe('fail');
    expect(rule.evaluate(image(['1.4.2']), p)).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it.each([
    { name: 'no release tag', tags: ['latest', 'main-4f1c2b9'], params: {} },
    { name: 'untagged', tags: [], params: {} },
    { name: 'no pattern configured (none)', tags: ['1.4.2'], params: { lockedTagPatterns: [] } },
  ])('not applicable, conclusively: $name', ({ tags, params }) => {
    expect(rule.evaluate(image(tags), ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it.each([
    { name: 'attributes not read', facts: undefined },
    { name: 'tag moved since the manifest listing (not on this digest)', facts: { tags: [] } },
    { name: 'attributes not reported', facts: { tags: [tag('1.4.2')] } },
    { name: 'writable, and the repository lock could not be read', facts: { tags: [tag('1.4.2', true, true)], repository: 'unread' as const } },
  ])('inconclusive, never a pass: $name', ({ facts }) => {
    expect(rule.evaluate(image(['1.4.2'], facts), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
