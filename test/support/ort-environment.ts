// Jest environment for specs that run onnxruntime-node. Jest gives each test file its own realm, so typed
// arrays created there are not `instanceof` the host's Float32Array that onnxruntime's native binding uses
// (output tensors fail with "A float32 tensor's data must be type of Float32Array"). Sharing the host's
// typed-array constructors makes both sides agree. Used per file: @jest-environment <this file>.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class OrtEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const sandbox = this.global as unknown as Record<string, unknown>;
    for (const name of SHARED) sandbox[name] = globalThis[name];
  }
}
