/**
 * A tagged image's release tags (AUDITOR_LOCKED_TAG_PATTERNS) are locked: write and delete disabled on the tag, so it
 * cannot be re-pointed at another image or deleted and pushed again.
 *
 * One result per image (manifest digest), not per tag: findings of the image rules are keyed by
 * `loginServer/repository@digest`, the nightly audit proves their absence per repository listed, and the
 * release tags of one build (`1.4.2`, `v1.4.2`) are fixed together. The evidence names each writable tag.
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { RELEASE_TAGS_RULE_ID, releaseTagsOf, tagLocked, tagWritable } from './supplyChain.js';

const MAX_TAGS_SHOWN = 20;

export const imageReleaseTagsLocked = defineRule({
  id: RELEASE_TAGS_RULE_ID,
  title: 'Release tags of an image are locked',
  target: 'image',
  severity: 'medium',
  rationale:
    'Tags are mutable by default: anyone with push rights can point `1.4.2` at another image, and every deployment that ' +
    'pulls by that tag then runs it, unnoticed, with the audit trail of the tag and not of what it points at. A release tag ' +
    'locked with write and delete disabled cannot be re-pointed or deleted and re-pushed. Checked on the tags matching ' +
    'AUDITOR_LOCKED_TAG_PATTERNS (default semantic versions), from each tag\'s own changeableAttributes as the ACR data plane ' +
    'lists them (GET /acr/v1/{repository}/_tags); a repository locked as a whole locks its tags too. A manifest lock (by digest) ' +
    'does not lock its tags. Tags whose attributes could not be read leave the result inconclusive.',
  remediation: {
    description:
      'Lock each release tag right after the push, in the pipeline (write and delete disabled); moving a locked tag needs a ' +
      'deliberate unlock. Tags that are meant to move (latest, stable) should not match AUDITOR_LOCKED_TAG_PATTERNS.',
    cli:
      'az acr repository update --name <registry> --image <repository>:<tag> --write-enabled false --delete-enabled false\n' +
      '# check:\n' +
      'az acr repository show --name <registry> --image <repository>:<tag> --query changeableAttributes',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-image-lock',
    'https://learn.microsoft.com/azure/container-registry/container-registry-image-tag-version',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/data-plane/Azure.ContainerRegistry/stable/2021-07-01/examples/GetTagList.json',
  ],
  modes: ['nightly'],
  evaluate({ manifest, releaseTags }, { params }) {
    if (params.lockedTagPatterns.length === 0) return notApplicable('no tag must be locked (AUDITOR_LOCKED_TAG_PATTERNS is none)', { conclusive: true });
    const wanted = releaseTagsOf(params, manifest.tags);
    if (wanted.length === 0) return notApplicable('no tag of this image matches AUDITOR_LOCKED_TAG_PATTERNS', { conclusive: true });
    if (!releaseTags) return notApplicable('the attributes of its tags were not read in this audit', { conclusive: false, evidence: { tags: wanted.slice(0, MAX_TAGS_SHOWN) } });
    const byName = new Map(releaseTags.tags.map((t) => [t.name, t]));
    const writable = wanted.flatMap((name) => {
      const t = byName.get(name);
      return t && tagWritable(t) ? [{ tag: name, writeEnabled: t.writeEnabled ?? null, deleteEnabled: t.deleteEnabled ?? null }] : [];
    });
    const unknown = wanted.filter((name) => {
      const t = byName.get(name);
      return !t || (!tagWritable(t) && !tagLocked(t));
    });
    const evidence = { releaseTags: wanted.slice(0, MAX_TAGS_SHOWN), ...(writable.length ? { writable: writable.slice(0, MAX_TAGS_SHOWN) } : {}), ...(unknown.length ? { unknown: unknown.slice(0, MAX_TAGS_SHOWN) } : {}) };
    if (writable.length > 0) {
      const repo = releaseTags.repository;
      if (repo === 'unread') return notApplicable('a release tag is writable, and whether its repository is locked could not be read', { conclusive: false, evidence });
      if (repo && repo.writeEnabled === false && repo.deleteEnabled === false) return pass('the repository is locked (write and delete disabled), so are its tags', { ...evidence, repositoryLocked: true });
      const names = writable.map((w) => w.tag);
      return fail(`release tag${names.length > 1 ? 's' : ''} ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''} can be re-pointed or deleted (write or delete enabled)`, evidence);
    }
    if (unknown.length > 0) return notApplicable(`the attributes of ${unknown.length} release tag(s) could not be read (moved since the listing, or not listed)`, { conclusive: false, evidence });
    return pass(`release tag${wanted.length > 1 ? 's' : ''} ${wanted.slice(0, 5).join(', ')}${wanted.length > 5 ? ', ...' : ''} locked (write and delete disabled)`, evidence);
  },
});
