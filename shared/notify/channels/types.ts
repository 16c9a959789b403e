/**
 * What a notification channel is to the PURE core: its id, the target a route stores for it, its
 * payload, and how a view becomes that payload (`ChannelRenderer`). No SDK, no I/O.
 *
 * The set of channels is open: each channel module adds its id to `ChannelTargets` and
 * `ChannelPayloads` by declaration merging (`declare module './types.js'`), so the planner, the
 * outbox and the deliverer are typed for every channel without naming any of them. The adapter half
 * of a channel (settings, notifier) is `ChannelDescriptor` (../channel.ts).
 */
import type { FindingChange } from '../../domain/finding.js';
import type { Severity } from '../../domain/severity.js';
import type { AlertItem, AlertView } from '../templates.js';

/** Channel id -> what a route stores for that channel (Teams: `true`, email: recipients). Augmented per channel. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ChannelTargets {}
/** Channel id -> the payload stored in the outbox (without its `channel` tag). Augmented per channel. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ChannelPayloads {}

export type ChannelId = keyof ChannelPayloads & keyof ChannelTargets & string;
export type ChannelTarget<K extends ChannelId = ChannelId> = ChannelTargets[K];
/** A channel's payload as stored: `{ channel: id, ...payload }`. */
export type ChannelPayload<K extends ChannelId = ChannelId> = { [I in ChannelId]: { channel: I } & ChannelPayloads[I] }[K];
/** A route's (or the unrouted feeds') targets: channel id -> target. */
export type RouteTargets = { [K in ChannelId]?: ChannelTargets[K] };

/** Held items, folded into the daily digest of `bucket` by `composeDailyDigest`. */
export interface HeldPayload {
  channel: 'held';
  /** The channel the daily digest goes to. */
  target: ChannelId;
  /** Recipients (channels whose target is a recipient list, e.g. email). */
  to?: string[];
  /** Any other channel's target, as JSON (see `ChannelRenderer.holdTarget`). */
  targetData?: unknown;
  bucket: string;
  items: AlertItem[];
  findingsUrl?: string;
  omitted?: number;
  /** Alerting changes of the event below the route's threshold (counted in the daily digest, not listed). */
  belowThreshold?: { count: number; threshold: Severity };
}

export type NotificationPayload = ChannelPayload | HeldPayload;

/** One message of a route channel for one view; `part` tells several apart in the dedupe id (email recipient chunks). */
export interface RenderedMessage<K extends ChannelId = ChannelId> {
  part?: string;
  payload: ChannelPayload<K>;
}

/** One message of an unrouted channel (a feed of every change, e.g. Event Grid). */
export interface FeedMessage<K extends ChannelId = ChannelId> {
  /** Dedupe id parts after the origin (batch index, event ids). */
  idParts: string[];
  payload: ChannelPayload<K>;
  total: number;
  severity: Severity;
  /** One trusted line for listings. */
  summary: string;
}

/**
 * The pure half of a channel. A route channel (`render`) gets one message per route and view (digest,
 * push alert, daily digest); an unrouted channel (`feed`) gets every alerting change of an origin.
 */
export interface ChannelRenderer<K extends ChannelId = ChannelId> {
  readonly id: K;
  /** Validates a target (from settings, a policy or a held row). */
  isTarget(target: unknown): target is ChannelTargets[K];
  /** True for this channel's payloads. */
  isPayload(payload: NotificationPayload): payload is ChannelPayload<K>;
  /** Route channels: the messages for one route's target. PURE. */
  render?(view: AlertView, target: ChannelTargets[K]): RenderedMessage<K>[];
  /** Unrouted channels: messages for every alerting change of one origin (`key`), unfiltered. PURE. */
  feed?(changes: readonly FindingChange[], origin: { key: string; now: Date }): FeedMessage<K>[];
  /** False when the view renders too large for this channel: the planner lists fewer items. */
  fits?(view: AlertView): boolean;
  /** What held items store about the target (default `{ targetData: target }`). */
  holdTarget?(target: ChannelTargets[K]): Pick<HeldPayload, 'to' | 'targetData'>;
  /** The target of a daily digest, from the held rows it folds (default: the first row's `targetData`). */
  heldTarget?(held: readonly HeldPayload[]): ChannelTargets[K] | undefined;
  /**
   * The payload that replaces one too large for the outbox: counts, `what` (trusted wording) and the
   * link of `view` (which lists no items). `minimal`: the last resort, keep no content at all.
   */
  summarize(payload: ChannelPayload<K>, summary: { view: AlertView; what: string; minimal: boolean }): ChannelPayload<K>;
}
