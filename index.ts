/**
 * Programmatic entry point: the n8n-free library. n8n itself loads the nodes and credentials listed in
 * package.json's `n8n` block, not this file.
 */
export * from './lib';
