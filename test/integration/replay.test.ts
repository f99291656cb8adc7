import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/harness';

// Histories recorded from real runs (scripts/record-history.ts) must replay on today's workflow
// code: a non-deterministic change to running conversations fails here, before it reaches them.

const dir = join(__dirname, '..', 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('when there are recorded histories, then there is at least one', () => {
  expect(histories.length).toBeGreaterThan(0);
});

test.each(histories)('when %s is replayed on the current workflow code, then it is deterministic', async (file) => {
  const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));

  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${file}`);
});
