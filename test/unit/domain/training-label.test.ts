import { trainingLabel } from '../../../domain/training-label';

const intentCategories = { track_order: 'order_status', delivery_period: 'order_status', cancel_order: 'cancellation' };

test('when the agent names an intent, then it is the label', () => {
  expect(trainingLabel(intentCategories, { category: 'order_status', intent: 'delivery_period', predictedIntent: 'track_order' })).toBe('delivery_period');
});

test('when the model predicted an intent of the confirmed category, then the prediction is the label', () => {
  expect(trainingLabel(intentCategories, { category: 'order_status', predictedIntent: 'delivery_period' })).toBe('delivery_period');
});

test('when the prediction was another category and the confirmed one has one intent, then that intent is the label', () => {
  expect(trainingLabel(intentCategories, { category: 'cancellation', predictedIntent: 'track_order' })).toBe('cancel_order');
});

test('when the confirmed category has several intents or none, then the category is the label', () => {
  expect(trainingLabel(intentCategories, { category: 'order_status', predictedIntent: 'cancel_order' })).toBe('order_status');
  expect(trainingLabel(intentCategories, { category: 'human_request' })).toBe('human_request');
});
