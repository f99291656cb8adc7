import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

// Jest runs each test file in its own V8 context, with its own Float32Array. onnxruntime-node's
// native side returns tensors built with Node's own typed arrays, and onnxruntime-common checks
// them with `instanceof` against the test context's: every inference then fails. Tests see
// Node's typed-array constructors instead, as production code does.

const TYPED_ARRAYS = [
  'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer',
] as const;

export default class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name] as never;
  }
}
