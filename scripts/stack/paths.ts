// Where the service manager finds the repository and keeps what it installs.
import path from 'node:path';
import { cacheDir } from '../../config/paths';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A path in the install cache (`TANDEM_CACHE_DIR`, default ~/.cache/tandem), outside the repository so a fresh clone reuses it. */
export const cachePath = (...parts: string[]): string => path.join(cacheDir(), ...parts);
