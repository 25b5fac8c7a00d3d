// promkit/testing: what an exporter's own tests need (client_golang's testutil and promlint), for any test runner.
export { collectAndCompare, collectAndCount, collectAndLint, gatherAndLint, toFloat64 } from './collect.js'
export type { Collectable } from './collect.js'
export { lintFamilies, lintFamily } from './lint.js'
export type { LintProblem, LintRule } from './lint.js'
