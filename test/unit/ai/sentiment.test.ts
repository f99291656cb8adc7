import { scoreSentiment } from '../../../ai/embedded/sentiment';

describe('sentiment', () => {
  it('when a message is plainly negative or positive, then the score has that sign', () => {
    expect(scoreSentiment('this is terrible service')).toBeLessThan(-0.3);
    expect(scoreSentiment('thanks, that was really helpful!')).toBeGreaterThan(0.3);
  });

  it('when a message states facts only, then the score is zero', () => {
    expect(scoreSentiment('where is my order 12345?')).toBe(0);
  });

  it('when a positive word is negated, then the message reads negative', () => {
    expect(scoreSentiment('I am not happy with this')).toBeLessThan(0);
    expect(scoreSentiment("I'm not satisfied")).toBeLessThan(0);
  });

  it('when someone else "hates" a colour or a gift, then the question is not the customer losing their temper', () => {
    const someoneElsesTaste = scoreSentiment('my son hates the colour, can i swap it for the blue one');
    expect(someoneElsesTaste).toBeGreaterThan(-0.5);
    expect(someoneElsesTaste).toBeGreaterThan(scoreSentiment('i hate this company'));
  });

  it('when a negation ends its sentence, then it does not flip the next sentence\'s words', () => {
    expect(scoreSentiment('refund still not here. pathetic')).toBeLessThan(-0.7);
  });

  it('when a negative word is negated, then the message is less negative than without the negation', () => {
    expect(scoreSentiment('it was not bad')).toBeGreaterThan(scoreSentiment('it was bad'));
  });

  it('when intensified, shouted or exclaimed, then the same word weighs more', () => {
    const plain = scoreSentiment('this is useless');
    expect(scoreSentiment('this is totally useless')).toBeLessThan(plain);
    expect(scoreSentiment('this is USELESS')).toBeLessThan(plain);
    expect(scoreSentiment('this is useless!!!')).toBeLessThan(plain);
  });

  it('when a customer is losing patience, then the message is very negative', () => {
    for (const text of [
      'still waiting for my refund, this is the third time I ask',
      'this is ridiculous, your app is useless',
      'Unacceptable. I am fed up with this.',
    ]) {
      expect(scoreSentiment(text)).toBeLessThanOrEqual(-0.6);
    }
  });

  it('when a message says "but", then the clause after it counts more', () => {
    expect(scoreSentiment('the app is good but delivery was terrible')).toBeLessThan(0);
    expect(scoreSentiment('delivery was slow but the staff were great')).toBeGreaterThan(0);
  });

  it('when given any text, then the score stays within -1..1', () => {
    const angry = 'WORST WORST WORST useless horrible awful scam fraud!!!!!!'.repeat(20);
    expect(scoreSentiment(angry)).toBeGreaterThanOrEqual(-1);
    expect(scoreSentiment('')).toBe(0);
  });
});
