// The benchmark's floor: the least a Temporal Update round trip can cost on this server. A workflow
// that answers a no-op Update, nothing else.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<number, [number]>('ping');
export const stopUpdate = defineUpdate<void, []>('stop');

export async function floorWorkflow(): Promise<void> {
  let stopped = false;
  setHandler(pingUpdate, (n) => n);
  setHandler(stopUpdate, () => {
    stopped = true;
  });
  await condition(() => stopped);
}
