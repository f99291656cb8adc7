import { ensureChromium } from '../../scripts/stack/install';
import { acquireTestStack, TEST_RUN_DIR } from './test-stack';

/** Starts (or reuses) the test stack and hands its addresses to the test workers through the environment. */
export default async function globalSetup(): Promise<void> {
  const [stack, chromium] = await Promise.all([acquireTestStack(), ensureChromium()]);
  process.env.CHROMIUM_PATH = chromium;
  process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.MONGO_URL = stack.mongoUrl;
  if (stack.ollamaHost && stack.ollamaModel) {
    process.env.OLLAMA_HOST = stack.ollamaHost;
    process.env.OLLAMA_MODEL = stack.ollamaModel;
  }
  if (stack.actionsUrl && stack.actionsSecret) {
    process.env.TANDEM_ACTIONS_URL = stack.actionsUrl;
    process.env.TANDEM_ACTIONS_SECRET = stack.actionsSecret;
  }
  process.env.TANDEM_TEST_RUN_DIR = TEST_RUN_DIR;
  process.env.TANDEM_TEST_MANAGED = stack.managed.join(',');
}
