import { expectedCalibrationError, TextClassifier, trainClassifier } from '../../../ai/embedded/classifier';
import { syntheticExamples, trainSyntheticModel } from './synthetic';

describe('embedded classifier', () => {
  const model = trainSyntheticModel();

  it('when trained on a small labelled set, then it recognises new phrasings of each label', () => {
    // Arrange
    const unseen: Array<[string, string]> = [
      ['where is my package??', 'track_order'],
      ['i forgot the password to my account', 'recover_password'],
      ['can i get my money back', 'get_refund'],
      ['pasword reset pls', 'recover_password'],
    ];

    // Act
    const predictions = unseen.map(([text]) => model.predict(text).label);

    // Assert
    expect(predictions).toEqual(unseen.map(([, label]) => label));
  });

  it('when trained twice with the same data and seed, then both models are identical', () => {
    // Act
    const again = trainSyntheticModel();

    // Assert
    expect(again.id).toBe(model.id);
    expect(again.toJSON().weights).toEqual(model.toJSON().weights);
    expect(model.id).toMatch(/^synthetic-20260102-[0-9a-f]{8}$/);
  });

  it('when a message shares nothing with the training data, then confidence is low', () => {
    // Act
    const known = model.predict('where is my order');
    const unknown = model.predict('zzqx vvbn');

    // Assert
    expect(known.confidence).toBeGreaterThan(0.8);
    expect(unknown.confidence).toBeLessThan(0.6);
  });

  it('when calibrated, then probabilities sum to one and the held-out calibration error is small', () => {
    // Act
    const probabilities = model.probabilities('refund please');
    const sum = probabilities.reduce((total, p) => total + p, 0);

    // Assert
    expect(sum).toBeCloseTo(1, 6);
    expect(model.temperature).toBeGreaterThan(0);
    expect(model.metrics.calibrationExamples).toBeGreaterThan(0);
    expect(model.metrics.expectedCalibrationError).not.toBeNull();
    expect(model.metrics.expectedCalibrationError as number).toBeLessThan(0.15);
  });

  it('when confidences match accuracy, then the expected calibration error is zero; when overconfident, it is the gap', () => {
    // Arrange: ten predictions at 0.7 of which seven are right, and ten at 0.95 of which five are right
    const calibrated = Array.from({ length: 10 }, (_, i) => i < 7);
    const overconfident = Array.from({ length: 10 }, (_, i) => i < 5);

    // Act
    const good = expectedCalibrationError(Array(10).fill(0.7), calibrated);
    const bad = expectedCalibrationError(Array(10).fill(0.95), overconfident);

    // Assert
    expect(good).toBeCloseTo(0, 10);
    expect(bad).toBeCloseTo(0.45, 10);
  });

  it('when serialised to JSON and read back, then it predicts exactly the same', () => {
    // Arrange
    const text = 'hello, where is my parcel';

    // Act
    const copy = TextClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));

    // Assert
    expect(copy.id).toBe(model.id);
    expect(Array.from(copy.probabilities(text))).toEqual(Array.from(model.probabilities(text)));
  });

  it('when given fewer than two labels, then training refuses', () => {
    const { texts } = syntheticExamples();
    expect(() => trainClassifier(texts, texts.map(() => 'only'), { name: 'x' })).toThrow(/two different labels/);
  });
});
