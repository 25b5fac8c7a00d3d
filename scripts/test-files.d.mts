/** Every `*.test.ts` under `dir`, as paths that start with `dir`, found without following links. */
export function testFiles(dir: string): Generator<string>
