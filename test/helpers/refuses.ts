import type { Test } from 'tap'
import { PromkitError } from '../../src/index.js'

/** Asserts that `action` throws a PromkitError with exactly this code and message. */
export function refuses(t: Test, action: () => unknown, code: string, message: string): void {
  try {
    action()
    t.fail(`expected ${code}: ${message}`)
  } catch (error) {
    t.ok(error instanceof PromkitError, `${code} is a PromkitError`)
    t.equal((error as PromkitError).code, code)
    t.equal((error as Error).message, message)
  }
}

/** Like {@link refuses}, for a promise. */
export async function rejects(t: Test, action: () => Promise<unknown>, code: string, message: string): Promise<void> {
  try {
    await action()
    t.fail(`expected ${code}: ${message}`)
  } catch (error) {
    t.ok(error instanceof PromkitError, `${code} is a PromkitError`)
    t.equal((error as PromkitError).code, code)
    t.equal((error as Error).message, message)
  }
}
