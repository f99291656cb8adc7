// `node --import tsx scripts/supervise.ts <run folder>`: the supervisor `./tandem start` runs (scripts/stack/supervisor.ts).
import { supervise } from './stack/supervisor';

const runDir = process.argv[2];
if (!runDir) {
  console.error('usage: scripts/supervise.ts <run folder with supervisor-plan.json>');
  process.exit(2);
}
supervise(runDir);
