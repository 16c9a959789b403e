/**
 * Image builders for the demo estate: manifest list items with (optionally) the manifest document
 * and the image config blob, whose digests are the real SHA-256 of their JSON serialisation
 * (`JSON.stringify` of the stored object), so a client that verifies digests is satisfied when the
 * emulator serves the object with `JSON.stringify`. The documents carry no dates (`created` is
 * optional in OCI configs and annotations), so digests do not depend on `now`: only the registry's
 * listing times (createdTime / lastUpdateTime) move with it.
 */
import { DAY_MS, DEFAULT_ATTRIBUTES, MEDIA_TYPES, digestOf, type JsonObject, type ManifestItem } from './build.js';

export interface PlainImage {
  /** Seed for the deterministic digest. */
  seed: string;
  tags: string[];
  ageDays: number;
  sizeMb: number;
  architecture?: string;
  os?: string;
}

function at(now: Date, ageDays: number): string {
  return new Date(now.getTime() - Math.round(ageDays * DAY_MS)).toISOString();
}

/** A listed manifest without content (what most of an estate is). */
export function plainManifest(now: Date, i: PlainImage): ManifestItem {
  const time = at(now, i.ageDays);
  return {
    digest: digestOf(i.seed),
    imageSize: Math.round(i.sizeMb * 1024 * 1024),
    createdTime: time,
    lastUpdateTime: time,
    architecture: i.architecture ?? 'amd64',
    os: i.os ?? 'linux',
    mediaType: MEDIA_TYPES.ociManifest,
    configMediaType: MEDIA_TYPES.ociConfig,
    tags: i.tags,
    changeableAttributes: { ...DEFAULT_ATTRIBUTES },
  };
}

export interface ImageWithContent extends PlainImage {
  /** Image config labels (`config.Labels`). */
  labels: Record<string, string>;
  /** OCI manifest annotations besides `org.opencontainers.image.created`. */
  annotations?: Record<string, string>;
  layers?: number;
}

export interface BuiltImage {
  item: ManifestItem;
  configDigest: string;
  config: JsonObject;
}

/** A manifest with its OCI manifest document and image config blob. */
export function imageWithContent(now: Date, i: ImageWithContent): BuiltImage {
  const time = at(now, i.ageDays);
  const architecture = i.architecture ?? 'amd64';
  const os = i.os ?? 'linux';
  const layerCount = i.layers ?? 3;
  const total = Math.round(i.sizeMb * 1024 * 1024);
  const layerSizes = Array.from({ length: layerCount }, (_, n) => Math.round((total * (layerCount - n)) / ((layerCount * (layerCount + 1)) / 2)));
  const config: JsonObject = {
    architecture,
    os,
    config: {
      User: '1000',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_HOME=/app'],
      Entrypoint: ['/app/entrypoint.sh'],
      WorkingDir: '/app',
      Labels: i.labels,
    },
    rootfs: { type: 'layers', diff_ids: layerSizes.map((_, n) => digestOf(`${i.seed}|diff|${n}`)) },
    history: layerSizes.map((_, n) => ({ created_by: n === 0 ? 'BUILDKIT base layer' : `RUN /bin/sh -c build-step-${n} # buildkit`, comment: 'buildkit.dockerfile.v0' })),
  };
  const configJson = JSON.stringify(config);
  const configDigest = digestOf(configJson);
  const content: JsonObject = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: Buffer.byteLength(configJson) },
    layers: layerSizes.map((size, n) => ({ mediaType: MEDIA_TYPES.ociLayer, digest: digestOf(`${i.seed}|layer|${n}`), size })),
    ...(i.annotations ? { annotations: i.annotations } : {}),
  };
  return {
    item: {
      digest: digestOf(JSON.stringify(content)),
      imageSize: total + Buffer.byteLength(configJson),
      createdTime: time,
      lastUpdateTime: time,
      architecture,
      os,
      mediaType: MEDIA_TYPES.ociManifest,
      configMediaType: MEDIA_TYPES.ociConfig,
      tags: i.tags,
      changeableAttributes: { ...DEFAULT_ATTRIBUTES },
      content,
    },
    configDigest,
    config,
  };
}

export interface BuiltIndex {
  index: ManifestItem;
  children: BuiltImage[];
}

/** A multi-arch OCI image index whose children are manifests with config blobs. */
export function multiArchImage(
  now: Date,
  i: { seed: string; tags: string[]; ageDays: number; sizeMb: number; labels: Record<string, string>; platforms: Array<{ architecture: string; variant?: string }> },
): BuiltIndex {
  const time = at(now, i.ageDays);
  const children = i.platforms.map((p) =>
    imageWithContent(now, { seed: `${i.seed}|${p.architecture}`, tags: [], ageDays: i.ageDays, sizeMb: i.sizeMb, architecture: p.architecture, labels: i.labels }),
  );
  const content: JsonObject = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: children.map((c, n) => ({
      mediaType: MEDIA_TYPES.ociManifest,
      digest: c.item.digest,
      size: Buffer.byteLength(JSON.stringify(c.item.content)),
      platform: { architecture: c.item.architecture ?? 'amd64', os: 'linux', ...(i.platforms[n]!.variant ? { variant: i.platforms[n]!.variant } : {}) },
    })),
  };
  return {
    index: {
      digest: digestOf(JSON.stringify(content)),
      imageSize: children.reduce((s, c) => s + c.item.imageSize, 0),
      createdTime: time,
      lastUpdateTime: time,
      mediaType: MEDIA_TYPES.ociIndex,
      tags: i.tags,
      changeableAttributes: { ...DEFAULT_ATTRIBUTES },
      content,
    },
    children,
  };
}
