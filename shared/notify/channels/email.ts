/** Email, the pure half: subject, text and HTML per route and view, split into recipient chunks. Adapters: ../email.ts. */
import { escapeHtml } from '../escape.js';
import { renderEmail } from '../templates.js';
import type { ChannelPayload, ChannelRenderer } from './types.js';

declare module './types.js' {
  interface ChannelTargets {
    /** Recipients of the route. */
    email: string[];
  }
  interface ChannelPayloads {
    email: { to: string[]; subject: string; text: string; html: string };
  }
}

/** Recipients per message (ACS and most relays accept 50). */
export const MAX_RECIPIENTS_PER_MESSAGE = 50;

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The email renderer; `maxRecipients` per message (default 50). */
export function emailRendererWith(maxRecipients = MAX_RECIPIENTS_PER_MESSAGE): ChannelRenderer<'email'> {
  return {
    id: 'email',
    isTarget: (t): t is string[] => Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === 'string'),
    isPayload: (p): p is ChannelPayload<'email'> => p.channel === 'email',
    render(view, to) {
      const email = renderEmail(view);
      return chunk([...to].sort(), Math.max(1, maxRecipients)).map((group, i) => ({ part: `part${i}`, payload: { channel: 'email', to: group, ...email } }));
    },
    holdTarget: (to) => ({ to: [...to].sort() }),
    heldTarget(held) {
      const to = [...new Set(held.flatMap((h) => h.to ?? []))];
      return to.length ? to : undefined;
    },
    summarize(payload, { view, what }) {
      const email = renderEmail(view);
      return { channel: 'email', to: payload.to, subject: email.subject, text: `${what}\n\n${email.text}`, html: email.html.replace('</h2>', `</h2>\n<p>${escapeHtml(what, 600)}</p>`) };
    },
  };
}

export const emailRenderer = emailRendererWith();
