/** Every setting the app and the host read (core + notifications), and its renderings for docs. */
import { SETTINGS, type SettingSpec } from './config.js';
import { NOTIFY_SETTINGS } from './notify/config.js';

export const ALL_SETTINGS: readonly SettingSpec[] = [...SETTINGS, ...NOTIFY_SETTINGS];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's configuration table. */
export function renderSettingsTable(): string {
  const rows = ALL_SETTINGS.map((s) => {
    const dflt = s.required ? '**required**' : s.default !== undefined && s.default !== '' ? `\`${cell(s.default)}\`` : '—';
    const notes = [s.secret ? 'secret' : '', s.localOnly ? 'local only' : '', s.readBy === 'host' ? 'read by the Functions host' : s.readBy === 'app+host' ? 'app and host' : '']
      .filter(Boolean)
      .join(', ');
    return `| \`${s.name}\` | ${dflt} | ${cell(s.description)}${notes ? ` (${notes})` : ''} |`;
  });
  return ['| Setting | Default | What it does |', '|---|---|---|', ...rows].join('\n');
}

/** `local.settings.example.json`: every setting, with a note, for `func start` users and the CLI. */
export function renderLocalSettingsExample(): string {
  const values: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  };
  const notes: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'Local Functions host only.',
    AzureWebJobsStorage: 'Local Functions host storage (Azurite).',
  };
  for (const s of ALL_SETTINGS) {
    if (s.name === 'AUDITOR_STORAGE') values[s.name] = 'UseDevelopmentStorage=true';
    else if (s.name.startsWith('AUDITOR_STORAGE__')) continue; // identity-based alternative to AUDITOR_STORAGE, for Azure
    else values[s.name] = s.default ?? (s.secret ? '' : s.example ?? '');
    notes[s.name] = `${s.description}${s.secret ? ' SECRET: never commit a real value.' : ''}`;
  }
  return `${JSON.stringify({ IsEncrypted: false, Values: values, _notes: notes }, null, 2)}\n`;
}
