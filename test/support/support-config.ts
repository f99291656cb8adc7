import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supportConfigSchema, type SupportConfig } from '../../config/schema';

const readDefaultConfig = (): SupportConfig =>
  JSON.parse(readFileSync(join(__dirname, '../../config/support.default.json'), 'utf8')) as SupportConfig;

/** The default support configuration as the worker validates it, to pass straight to a workflow. */
export function defaultSupportConfig(): SupportConfig {
  return supportConfigSchema.parse(readDefaultConfig());
}

/** The default support configuration changed by `change`, written to a file of its own; returns its path. */
export function writeSupportConfig(change: (config: SupportConfig) => void): string {
  const config = readDefaultConfig();
  change(config);
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-config-')), 'support.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Every priority on a calendar-time policy with the same targets and no next-response target. */
export function sameTargetsForEveryPriority(config: SupportConfig, targets: { firstResponseMs: number; resolutionMs: number }): void {
  for (const priority of Object.keys(config.sla.policies) as (keyof SupportConfig['sla']['policies'])[]) {
    config.sla.policies[priority] = { ...targets, calendar: 'calendar' };
  }
}
