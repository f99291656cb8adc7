// Runs the floor workflow with the product worker's settings (Worker.create defaults, one bundle).
import { NativeConnection, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.FLOOR_TASK_QUEUE ?? 'bench-floor',
    workflowsPath: require.resolve('./floor'),
  });
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
