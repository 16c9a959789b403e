/** Teams, the pure half: an Adaptive Card (Workflows envelope) per route and view. Adapter: ../teams.ts. */
import { utf8Bytes } from '../bound.js';
import { cardRunText } from '../escape.js';
import { renderTeamsMessage, TEAMS_MAX_MESSAGE_CHARS, type TeamsMessage } from '../templates.js';
import type { ChannelPayload, ChannelRenderer } from './types.js';

declare module './types.js' {
  interface ChannelTargets {
    /** A webhook is configured for the route (the URL is a secret, resolved at send time). */
    teams: true;
  }
  interface ChannelPayloads {
    teams: { message: TeamsMessage };
  }
}

export const teamsRenderer: ChannelRenderer<'teams'> = {
  id: 'teams',
  isTarget: (t): t is true => t === true,
  isPayload: (p): p is ChannelPayload<'teams'> => p.channel === 'teams',
  render: (view) => [{ payload: { channel: 'teams', message: renderTeamsMessage(view) } }],
  // Cards are measured in UTF-8 bytes against the message limit; a view that does not fit lists fewer items.
  fits: (view) => utf8Bytes(JSON.stringify(renderTeamsMessage(view))) <= TEAMS_MAX_MESSAGE_CHARS,
  holdTarget: () => ({}),
  heldTarget: () => true,
  summarize(_payload, { view, what }) {
    const message = renderTeamsMessage(view);
    const body = message.attachments[0]!.content.body as Array<Record<string, unknown>>;
    body.splice(1, 0, { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: cardRunText(what, 600) }] });
    return { channel: 'teams', message };
  },
};
