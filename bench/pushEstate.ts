/**
 * The push benchmark's estate and events: a synthetic estate (estates/synthetic.ts) plus `images`
 * freshly pushed images WITH content (OCI manifest and config blob whose digests are the SHA-256 of
 * their JSON serialisation, as estates/images.ts builds them), so the push-time audit reads real
 * provenance. Deterministic from the seed: the emulator child and the bench process both call it and
 * get the same digests, so nothing big crosses the process boundary.
 *
 * The pushes are skewed like a real estate (a few busy registries and repositories, a long tail),
 * and mixed like real builds:
 *   - labels   45%  config labels carry source/revision/base (manifest + config blob read)
 *   - annotated 25% OCI annotations carry all three keys      (manifest only)
 *   - unlabeled 20% no provenance at all                      (manifest + config blob; opens a finding)
 *   - multiarch 10% OCI index with amd64 + arm64 children     (index + 2 x (manifest + config))
 * About 8% of pushes are by the registry's admin account (actor = registry name).
 */
import { guidOf, prng, type EstateDocument, type JsonObject, type ManifestItem } from '../estates/build.js';
import { imageWithContent, multiArchImage } from '../estates/images.js';
import { syntheticEstate, SYNTHETIC_APPROVED_REGISTRIES } from '../estates/synthetic.js';

export type ImageKind = 'labels' | 'annotated' | 'unlabeled' | 'multiarch';

export interface PushedImage {
  registryId: string;
  registryName: string;
  loginServer: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  size: number;
  kind: ImageKind;
  admin: boolean;
  location: string;
}

export interface PushEstateOptions {
  seed: number;
  /** Number of pushed images (one event each per phase). */
  images: number;
  now: Date;
  registries?: number;
  repositoriesPerRegistry?: number;
}

export const PUSH_APPROVED_REGISTRIES = SYNTHETIC_APPROVED_REGISTRIES;
export const PUSH_APPROVED_BASE_IMAGES = ['mcr.microsoft.com/azurelinux/*', 'mcr.microsoft.com/dotnet/*'];

const BASES = ['mcr.microsoft.com/azurelinux/base/core:3.0', 'mcr.microsoft.com/dotnet/aspnet:8.0', 'docker.io/library/ubuntu:22.04', 'docker.io/library/node:20-alpine'];

/** A Zipf-like pick: index i with weight 1/(i+1). */
function zipf(r: () => number, n: number): () => number {
  const cdf: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) cdf.push((total += 1 / (i + 1)));
  return () => {
    const x = r() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function pushEstate(o: PushEstateOptions): { estate: EstateDocument; images: PushedImage[] } {
  const estate = syntheticEstate({
    seed: o.seed, subscriptions: 5, registries: o.registries ?? 25, repositoriesPerRegistry: o.repositoriesPerRegistry ?? 20,
    manifestsPerRepository: 5, workloads: 100, now: o.now,
  });
  const r = prng(o.seed * 7919 + 17);
  const registries = estate.resources
    .filter((row) => String(row.type).toLowerCase() === 'microsoft.containerregistry/registries')
    .map((row) => ({ id: row.id as string, name: row.name as string, location: row.location as string, loginServer: (row.properties as JsonObject).loginServer as string }));
  const pickRegistry = zipf(r, registries.length);
  const repoPickers = new Map<string, () => number>();
  const images: PushedImage[] = [];
  for (let i = 0; i < o.images; i++) {
    const reg = registries[pickRegistry()]!;
    const repos = estate.registryContent[reg.loginServer]!.repositories;
    const names = Object.keys(repos);
    let pick = repoPickers.get(reg.loginServer);
    if (!pick) repoPickers.set(reg.loginServer, (pick = zipf(r, names.length)));
    const repository = names[pick()]!;
    const repo = repos[repository]!;
    const roll = r();
    const kind: ImageKind = roll < 0.45 ? 'labels' : roll < 0.7 ? 'annotated' : roll < 0.9 ? 'unlabeled' : 'multiarch';
    const seed = `push|${o.seed}|${i}`;
    const base = BASES[Math.floor(r() * BASES.length)]!;
    const provenance = {
      'org.opencontainers.image.source': `https://github.com/contoso/${repository.replace('/', '-')}`,
      'org.opencontainers.image.revision': guidOf(`${seed}|rev`).replace(/-/g, '') + '00000000',
      'org.opencontainers.image.base.name': base,
    };
    const tag = `${1 + (i % 7)}.${Math.floor(i / 7) % 100}.${i}`;
    const ageDays = r() * 0.01;
    const sizeMb = 20 + Math.floor(r() * 300);
    let item: ManifestItem;
    const extra: ManifestItem[] = [];
    repo.blobs ??= {};
    if (kind === 'multiarch') {
      const built = multiArchImage(o.now, { seed, tags: [tag], ageDays, sizeMb, labels: provenance, platforms: [{ architecture: 'amd64' }, { architecture: 'arm64', variant: 'v8' }] });
      item = built.index;
      for (const c of built.children) {
        extra.push(c.item);
        repo.blobs[c.configDigest] = c.config;
      }
    } else {
      const built = imageWithContent(o.now, {
        seed, tags: [tag], ageDays, sizeMb,
        labels: kind === 'labels' ? { ...provenance, maintainer: 'platform@contoso.com' } : {},
        ...(kind === 'annotated' ? { annotations: provenance } : {}),
      });
      item = built.item;
      repo.blobs[built.configDigest] = built.config;
    }
    repo.manifests.unshift(item, ...extra);
    images.push({
      registryId: reg.id, registryName: reg.name, loginServer: reg.loginServer, repository, tag, digest: item.digest,
      mediaType: item.mediaType, size: Buffer.byteLength(JSON.stringify(item.content)), kind, admin: r() < 0.08, location: reg.location,
    });
  }
  return { estate, images };
}

const DOCKER_UA = 'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-1017-azure os/linux arch/amd64';

/** One Event Grid (EventGridEvent schema) ImagePushed event per image; ids differ per `phase`. */
export function pushEvents(images: readonly PushedImage[], now: Date, phase: string): Record<string, unknown>[] {
  return images.map((img, i) => {
    const time = new Date(now.getTime() - (images.length - i) * 50).toISOString();
    return {
      id: guidOf(`bench|${phase}|event|${i}`),
      topic: img.registryId,
      subject: `${img.repository}:${img.tag}`,
      eventType: 'Microsoft.ContainerRegistry.ImagePushed',
      eventTime: time,
      data: {
        id: guidOf(`bench|${phase}|data|${i}`),
        timestamp: time,
        action: 'push',
        location: img.location,
        target: { mediaType: img.mediaType, size: img.size, digest: img.digest, length: img.size, repository: img.repository, tag: img.tag },
        request: { id: guidOf(`bench|${phase}|req|${i}`), addr: `20.61.${i % 250}.${(i >> 8) % 250}:5${String(i % 10000).padStart(4, '0')}`, host: img.loginServer, method: 'PUT', useragent: DOCKER_UA },
        actor: { name: img.admin ? img.registryName : guidOf(`bench|principal|${i % 17}`) },
        source: { addr: `${img.registryName}-registry-7d9f8b6c5-x2k4q:5000`, instanceID: guidOf(`instance|${img.registryName}`) },
      },
      dataVersion: '1.0',
      metadataVersion: '1',
    };
  });
}
