// Public surface of the audio analysis (used by `chronus analyze`, `chronus plot` and the MCP
// server's hear tool). Main thread only; never on the audio path.

export { analyzeAudio } from './analyze.js';
export { plotAudio } from './plot.js';
export { evaluateCheck } from './checks.js';
export * from './types.js';
