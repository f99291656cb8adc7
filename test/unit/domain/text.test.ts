import { normalize, similarity, tokenize, wordMatch } from '../../../domain/text';

describe('wordMatch', () => {
  it('when the keyword appears in another case next to punctuation, then it matches', () => {
    const text = 'Cancel! I want out.';

    const matched = wordMatch(text, 'cancel');

    expect(matched).toBe(true);
  });

  it('when the keyword is only the start of a longer word, then it does not match', () => {
    expect(wordMatch('What is your cancellation policy?', 'cancel')).toBe(false);
  });

  it('when the keyword is a phrase, then only the whole phrase in order matches', () => {
    expect(wordMatch('Can I speak to a manager, please?', 'speak to a manager')).toBe(true);
    expect(wordMatch('I will speak to a friend, not a manager', 'speak to a manager')).toBe(false);
  });
});

describe('normalize and tokenize', () => {
  it('when text has accents, capitals and punctuation, then normalize keeps only plain lowercase words', () => {
    expect(normalize('  Café — DÉJÀ vu?! ')).toBe('cafe deja vu');
  });

  it('when words differ only by common suffixes, then tokenize gives them the same stems', () => {
    expect(tokenize('Orders shipped, cancellation arrived')).toEqual(tokenize('order ship cancel arrive'));
  });
});

describe('similarity', () => {
  it('when two messages are paraphrases sharing stems, then they score at least 0.5', () => {
    expect(similarity('I want to cancel my order', 'How do I cancel my orders?')).toBeGreaterThanOrEqual(0.5);
  });

  it('when a message is repeated with typos, then it still scores at least 0.5', () => {
    expect(similarity('where is my order 1234', 'wher is my ordr 1234??')).toBeGreaterThanOrEqual(0.5);
  });

  it('when two messages ask different things, then they score well below 0.5', () => {
    expect(similarity('Where is my order?', 'How do I reset my password?')).toBeLessThan(0.2);
  });

  it('when the same text is compared with itself, then it scores 1', () => {
    expect(similarity('Where is my refund?', 'where is my refund')).toBeCloseTo(1);
  });
});
