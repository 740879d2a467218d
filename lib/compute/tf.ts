/**
 * The one TensorFlow.js entry point of the library. tfjs-core alone registers no gradients (training would fail
 * with "gradient function not found"), and its `register_all_gradients` module is ESM-only; the @tensorflow/tfjs
 * bundle registers them all (and the pure-JS backend) on the shared global registry when it loads.
 */
import '@tensorflow/tfjs';

export * from '@tensorflow/tfjs-core';
