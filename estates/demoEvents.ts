/**
 * Three Event Grid (EventGridEvent schema) `Microsoft.ContainerRegistry.ImagePushed` events that
 * replay pushes into the demo estate. Each event's repository and digest exist in
 * `demoEstate(now).registryContent` for the same `now`.
 */
import { guidOf } from './build.js';
import { DEMO_REGISTRIES, DEMO_SUBSCRIPTIONS, demoImages, type DemoImage } from './demo.js';

const DOCKER_UA = 'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-1017-azure os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))';
const BUILDX_UA = 'buildkit/v0.17 containerd/1.7.22';

interface PushSpec {
  image: DemoImage;
  actor: string;
  addr: string;
  useragent: string;
  minutesAgo: number;
  seed: string;
}

function pushEvent(now: Date, p: PushSpec): Record<string, unknown> {
  const registry = DEMO_REGISTRIES[p.image.registry];
  const time = new Date(now.getTime() - p.minutesAgo * 60_000).toISOString();
  return {
    id: guidOf(`event|${p.seed}`),
    topic: registry.id,
    subject: `${p.image.repository}:${p.image.tag}`,
    eventType: 'Microsoft.ContainerRegistry.ImagePushed',
    eventTime: time,
    data: {
      id: guidOf(`event-data|${p.seed}`),
      timestamp: time,
      action: 'push',
      location: p.image.registry === 'shadow' ? 'eastus' : 'westeurope',
      target: {
        mediaType: p.image.mediaType,
        size: p.image.size,
        digest: p.image.digest,
        length: p.image.size,
        repository: p.image.repository,
        tag: p.image.tag,
      },
      request: {
        id: guidOf(`request|${p.seed}`),
        addr: p.addr,
        host: registry.loginServer,
        method: 'PUT',
        useragent: p.useragent,
      },
      actor: { name: p.actor },
      source: { addr: `${registry.name}-registry-7d9f8b6c5-x2k4q:5000`, instanceID: guidOf(`instance|${registry.name}`) },
    },
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

/**
 * (1) the admin account of contosoplatform (actor = registry name) pushes the labeled base image;
 * (2) the dev pipeline principal pushes the unlabeled web release candidate into contosodev;
 * (3) a developer pushes the ubuntu-based trainer image into shadowbuilds (not approved).
 */
export function demoPushEvents(now: Date): unknown[] {
  const images = demoImages(now);
  return [
    pushEvent(now, { image: images.labeled, actor: DEMO_REGISTRIES.platform.name, addr: '20.61.113.42:51514', useragent: DOCKER_UA, minutesAgo: 14, seed: 'labeled' }),
    pushEvent(now, { image: images.unlabeled, actor: guidOf('contoso|sp|dev-pipeline'), addr: '20.61.113.42:40122', useragent: BUILDX_UA, minutesAgo: 28, seed: 'unlabeled' }),
    pushEvent(now, { image: images.unapprovedBase, actor: 'r.khan@contoso.com', addr: '198.51.100.77:60231', useragent: DOCKER_UA, minutesAgo: 43, seed: 'shadow' }),
  ];
}

/** The subscription each demo event's topic belongs to, for tests. */
export const DEMO_EVENT_SUBSCRIPTIONS = [DEMO_SUBSCRIPTIONS.shared, DEMO_SUBSCRIPTIONS.dev, DEMO_SUBSCRIPTIONS.dev];
