// Personal data that neither the logs nor the language model need: email addresses, phone numbers
// and payment card numbers. Masking keeps the shape of the sentence ("my card [card ending 4242]
// was charged twice") so a summary or a log line still makes sense. Order numbers and other short
// ids are left alone: the model needs them to answer.

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** 13 to 19 digits, optionally grouped by single spaces or dashes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/** An optional +, then 8 to 15 digits with the usual separators. */
const PHONE_CANDIDATE = /(?<![\w+]|\d[\s().-])\+?\(?\d(?:[\s().-]{0,2}\d){7,14}(?!\w|[\s().-]\d)/g;
const DATE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

/** The Luhn checksum every payment card number satisfies (and most random digit strings do not). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function maskCard(match: string): string {
  const digits = match.replace(/\D/g, '');
  return luhnValid(digits) ? `[card ending ${digits.slice(-4)}]` : match;
}

/**
 * A phone number has a leading +, separators, or at least 10 digits; a bare 8- or 9-digit number
 * is more likely an order or account id and is kept, and so is a date.
 */
function maskPhone(match: string): string {
  const digits = match.replace(/\D/g, '');
  const looksLikePhone = match.startsWith('+') || /[\s().-]/.test(match) || digits.length >= 10;
  return looksLikePhone && !DATE.test(match) ? '[phone]' : match;
}

/** Replaces email addresses, phone numbers and Luhn-valid card numbers (keeping its last 4 digits). */
export function maskPii(text: string): string {
  return text.replace(EMAIL, '[email]').replace(CARD_CANDIDATE, maskCard).replace(PHONE_CANDIDATE, maskPhone);
}

/** `maskPii` over every string in a JSON-like value, to a bounded depth. */
export function maskPiiDeep(value: unknown, depth = 6): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskPiiDeep(item, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskPiiDeep(item, depth - 1)]));
}
