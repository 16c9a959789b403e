import { ConfigError } from '../../shared/config.js';

/** The problems a settings loader reports (ConfigError.problems); none when it loads. Any other error is thrown on. */
export function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
