/**
 * A notification channel, whole: its pure half (`ChannelRenderer`: id, targets, render) plus its
 * settings, how they configure it (`configured`) and its adapter (`createNotifier`). One module per
 * channel exports one (teams.ts, email.ts, eventGridPublisher.ts); registry.ts lists them. Adding a
 * channel adds a descriptor there: the planner, outbox, deliverer, settings loader and wiring iterate
 * the registry and never name a channel.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { SettingSpec } from '../config.js';
import type { Notifier } from './deliver.js';
import type { ChannelId, ChannelRenderer, ChannelTargets } from './channels/types.js';

/** One explicit route of AUDITOR_ROUTES, as the settings loader read it. */
export interface RawRoute {
  name: string;
  /** Where it is, for messages: `AUDITOR_ROUTES[2]`. */
  at: string;
  /** The route's JSON object: a channel reads its own fields (`routeFields`). */
  raw: Readonly<Record<string, unknown>>;
}

/** What `configured` can read and report. Messages name settings, never secret values. */
export interface ConfigureContext {
  /** A catalog setting: trimmed, its catalog default when unset or empty, undefined when neither. */
  get(name: string): string | undefined;
  /** A setting named at run time (a route's `teamsWebhookSetting`): trimmed, undefined when unset. */
  lookup(name: string): string | undefined;
  problem(message: string): void;
  routes: readonly RawRoute[];
}

export interface ChannelConfiguration<K extends ChannelId, C> {
  /** What the notifier needs (may hold secrets: never logged). */
  config: C;
  /** Route channels: route name (`default` for the channel's default settings) -> target. */
  targets?: Readonly<Record<string, ChannelTargets[K]>>;
  /** Unrouted channels: the target when enabled. */
  feed?: ChannelTargets[K];
}

export interface NotifierDeps {
  credential: TokenCredential;
  log?: (line: string) => void;
}

export interface ChannelDescriptor<K extends ChannelId = ChannelId, C = unknown> extends ChannelRenderer<K> {
  /** Its settings (documented in the README table, local.settings.example.json and written by infra/). */
  readonly settings: readonly SettingSpec[];
  /** The AUDITOR_ROUTES fields it reads (route channels), e.g. `emailTo`. */
  readonly routeFields?: readonly string[];
  /** Reads and validates its settings; undefined when the channel is not configured. */
  configured(ctx: ConfigureContext): ChannelConfiguration<K, C> | undefined;
  /** The adapter for a configuration `configured` returned. */
  createNotifier(config: C, deps: NotifierDeps): Notifier;
}
