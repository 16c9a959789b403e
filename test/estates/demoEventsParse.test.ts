/** The demo push events pass the project's own event parser and the Azure SDK's deserializer. */
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import { describe, expect, it } from 'vitest';
import { DEMO_REGISTRIES } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { parseEventBatch } from '../../shared/events/parse.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');

describe('demo push events', () => {
  it('parse cleanly with shared/events/parse.ts', () => {
    const batch = parseEventBatch(demoPushEvents(NOW));
    expect(batch.rejected).toEqual([]);
    expect(batch.ignored).toEqual([]);
    expect(batch.events.map((e) => [e.kind, e.registryName, e.loginServer, e.actor])).toEqual([
      ['image_pushed', DEMO_REGISTRIES.platform.name, DEMO_REGISTRIES.platform.loginServer, DEMO_REGISTRIES.platform.name],
      ['image_pushed', DEMO_REGISTRIES.dev.name, DEMO_REGISTRIES.dev.loginServer, expect.any(String)],
      ['image_pushed', DEMO_REGISTRIES.shadow.name, DEMO_REGISTRIES.shadow.loginServer, 'r.khan@contoso.com'],
    ]);
  });

  it('deserialize with @azure/eventgrid as ImagePushed system events', async () => {
    const events = await new EventGridDeserializer().deserializeEventGridEvents(JSON.parse(JSON.stringify(demoPushEvents(NOW))));
    expect(events).toHaveLength(3);
    for (const e of events) expect(isSystemEvent('Microsoft.ContainerRegistry.ImagePushed', e)).toBe(true);
  });
});
