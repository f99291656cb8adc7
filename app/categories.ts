import type { SupportConfig } from '../config/schema';
import { RuleViolation } from '../domain/rules';

/** Categories named by agents and operators must be configured ones. */
export function assertKnownCategory(config: SupportConfig, category: string): void {
  if (!config.categories.some((c) => c.id === category)) {
    const ids = config.categories.map((c) => c.id).join(', ');
    throw new RuleViolation('unknown_category', `Unknown category; use one of: ${ids}.`);
  }
}
