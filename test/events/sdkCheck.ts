// Cross-check against the real SDK: what the pure parser accepts, @azure/eventgrid must accept too.
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import type { RegistryEvent } from '../../shared/events/parse.js';

type AcrEventType =
  | 'Microsoft.ContainerRegistry.ImagePushed'
  | 'Microsoft.ContainerRegistry.ImageDeleted'
  | 'Microsoft.ContainerRegistry.ChartPushed'
  | 'Microsoft.ContainerRegistry.ChartDeleted';

const deserializer = new EventGridDeserializer();

/**
 * Deserializes `wire` (one event or a batch, string or parsed) with the SDK in `schema`; answers the
 * ids it returned and whether `isSystemEvent(eventType, e)` held for every one. Throws as the SDK does.
 */
export async function sdkView(
  schema: RegistryEvent['schema'],
  wire: unknown,
  eventType: string,
): Promise<{ ids: string[]; systemEvent: boolean }> {
  const type = eventType as AcrEventType;
  if (schema === 'cloudevents') {
    const events = await deserializer.deserializeCloudEvents(wire as string);
    return { ids: events.map((e) => e.id), systemEvent: events.every((e) => isSystemEvent(type, e)) };
  }
  const events = await deserializer.deserializeEventGridEvents(wire as string);
  return { ids: events.map((e) => e.id), systemEvent: events.every((e) => isSystemEvent(type, e)) };
}
