import type { SupportConfig } from '../config/schema';
import { findOrderNumber } from './handoff';
import type { CustomerProfile } from './types';

// Knowledge articles, small-talk replies and notices are written with {{Placeholders}}; one place
// fills them, from the brand's configuration and from this conversation.

/** Every placeholder value a reply to this customer may use. */
export function placeholderValues(config: SupportConfig, customer: CustomerProfile, question = ''): Record<string, string> {
  const values: Record<string, string> = {
    ...config.brand.placeholders,
    'Business Hours': describeBusinessHours(config.sla),
    'Customer Name': customer.name,
    'Customer First Name': firstName(customer.name),
  };
  const orderNumber = findOrderNumber(question);
  if (orderNumber !== undefined) values['Order Number'] = orderNumber;
  return values;
}

/** An answer in the brand's voice: greeted by first name, signed off as the brand signs. */
export function inBrandVoice(config: SupportConfig, customer: CustomerProfile, body: string): string {
  return [`Hi ${firstName(customer.name)},`, body.trim(), config.brand.signOff].filter((part) => part !== '').join('\n\n');
}

/** "there" when the name is missing or is an email address. */
export function firstName(name: string): string {
  const first = name.trim().split(/\s+/)[0] ?? '';
  return first === '' || first.includes('@') ? 'there' : first;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * The team's opening hours in words, from the SLA calendar the handoffs run on, so the answer
 * and the SLA timers can never disagree: "Monday to Friday, 09:00 to 18:00 (Europe/London time),
 * closed on public holidays".
 */
export function describeBusinessHours(sla: SupportConfig['sla']): string {
  const byHours = new Map<string, number[]>();
  for (const period of sla.businessHours) {
    const hours = `${period.start} to ${period.end}`;
    byHours.set(hours, [...(byHours.get(hours) ?? []), period.day]);
  }
  if (byHours.size === 0) return 'by appointment only';
  const parts = [...byHours].map(([hours, days]) => `${dayRanges(days)}, ${hours}`);
  const holidays = sla.holidays.length > 0 ? ', closed on public holidays' : '';
  return `${parts.join('; ')} (${sla.timeZone} time)${holidays}`;
}

/** [1,2,3,4,5] → "Monday to Friday"; [1,3] → "Monday and Wednesday". */
function dayRanges(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const day of sorted) {
    const run = runs.at(-1);
    if (run && run.at(-1) === day - 1) run.push(day);
    else runs.push([day]);
  }
  const names = runs.map((run) =>
    run.length >= 3 ? `${DAY_NAMES[run[0] as number]} to ${DAY_NAMES[run.at(-1) as number]}` : run.map((day) => DAY_NAMES[day]).join(' and '),
  );
  return names.join(', ');
}

const WORD_SYNONYMS: Record<string, string> = {
  purchase: 'order',
  id: 'number',
  service: 'support',
  assistance: 'support',
  availability: 'hours',
};
/** A placeholder made of one of these words alone still names a contact detail. */
const CONTACT_KINDS = new Set(['phone', 'email', 'website', 'chat', 'url']);

/** "Purchase ID Anonymized" and "Order Number" both become "order number". */
function canonical(name: string): string {
  const words = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && word !== 'anonymized' && word !== 'anonymised')
    .map((word) => WORD_SYNONYMS[word] ?? word);
  return words.filter((word, i) => !(word === 'address' && words[i - 1] === 'email')).join(' ');
}

function isIdentifier(name: string): boolean {
  return /anonymi[sz]ed/i.test(name) || /\b(number|id)$/i.test(name.trim());
}

/**
 * Replaces every `{{Name}}` in `text`: from `extras` (values taken from this conversation, e.g.
 * {"Order Number": "12345"}), then from the brand's `placeholders`, matching names loosely
 * ("Support Email" finds "Customer Support Email"). A name nobody knows is written out in neutral
 * words ("your order number", "Order History"), so no `{{` ever reaches a customer.
 */
export function fillPlaceholders(
  text: string,
  placeholders: Record<string, string>,
  extras: Record<string, string> = {},
): string {
  const known = new Map<string, string>();
  for (const source of [placeholders, extras]) {
    for (const [name, value] of Object.entries(source)) known.set(canonical(name), value);
  }
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, name: string) => {
    const key = canonical(name);
    const exact = known.get(key);
    if (exact !== undefined) return exact;
    const loose = looseMatch(key, known);
    if (loose !== undefined) return loose;
    if (isIdentifier(name) && key !== '') return `your ${key}`;
    return name.trim();
  }).replace(/[{}]{2,}/g, '');
}

/** The value of the shortest known name containing every word of `key`, for contact details. */
function looseMatch(key: string, known: Map<string, string>): string | undefined {
  const words = key.split(' ').filter((word) => word !== '');
  const specific = words.length >= 2 || (words.length === 1 && CONTACT_KINDS.has(words[0] as string));
  if (!specific) return undefined;
  const candidates = [...known.keys()]
    .filter((name) => {
      const nameWords = new Set(name.split(' '));
      return words.every((word) => nameWords.has(word));
    })
    .sort((x, y) => x.split(' ').length - y.split(' ').length || x.localeCompare(y));
  return candidates[0] === undefined ? undefined : known.get(candidates[0]);
}
