/**
 * The notification channels: one descriptor per channel (channel.ts), in the order their messages
 * are planned and their settings documented. A new channel is one line here plus its own modules.
 */
import type { ChannelDescriptor } from './channel.js';
import { emailChannel } from './email.js';
import { eventGridChannel } from './eventGridPublisher.js';
import { teamsChannel } from './teams.js';

export const CHANNELS: readonly ChannelDescriptor[] = [teamsChannel, emailChannel, eventGridChannel];
