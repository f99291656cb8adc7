import { releaseTestStack } from './test-stack';

/** Stops the services the setup started, unless another jest run still uses them. */
export default async function globalTeardown(): Promise<void> {
  await releaseTestStack();
}
