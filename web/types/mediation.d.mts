// mediation.d.mts — the public API of dist/mediation.mjs, the module for Node hosts
// (default and named export `mediation`). The types are those of mediation.d.ts.
import type { NodeMediation } from './mediation.js';

export * from './mediation.js';
export declare const mediation: NodeMediation;
export default mediation;
