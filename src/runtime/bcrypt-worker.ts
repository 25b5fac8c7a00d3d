import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** The worker's code: bcryptjs' compareSync for each message, a refusal for anything it cannot compare. */
const source = `
const { parentPort, workerData } = require('node:worker_threads')
const bcrypt = require(workerData.bcrypt)
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false
  try { ok = bcrypt.compareSync(password, hash) } catch {}
  parentPort.postMessage({ id, ok })
})
`

/**
 * bcrypt comparisons on a thread of their own. bcryptjs is plain JavaScript:
 * on the main thread a flood of wrong passwords (each about 100 ms at cost 10)
 * would hold up every scrape. Here they queue on one worker, and the event
 * loop keeps serving. The worker starts on first use and keeps the process
 * alive only while comparisons wait; if it stops, the comparisons waiting on
 * it fail and the next one starts a new worker.
 */
export class BcryptWorker {
  private worker: Worker | undefined
  private readonly waiting = new Map<number, { resolve(ok: boolean): void; reject(error: Error): void }>()
  private nextId = 0

  /** Comparisons sent and not yet answered. */
  get pending(): number {
    return this.waiting.size
  }

  /** Whether `password` matches the bcrypt `hash`. Rejects only if the worker stopped. */
  compare(password: string, hash: string): Promise<boolean> {
    this.worker ??= this.start()
    const worker = this.worker
    const id = this.nextId++
    worker.ref()
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, password, hash })
    })
  }

  /** Stops the worker; waiting comparisons fail. */
  async close(): Promise<void> {
    await this.worker?.terminate()
  }

  private start(): Worker {
    const worker = new Worker(source, {
      eval: true,
      workerData: { bcrypt: createRequire(import.meta.url).resolve('bcryptjs') },
    })
    // Every answer has a waiter: only a stopped worker clears them, and it answers no more.
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      ;(this.waiting.get(id) as { resolve(ok: boolean): void }).resolve(ok)
      this.waiting.delete(id)
      if (this.waiting.size === 0) worker.unref()
    })
    const stopped = (error: Error): void => {
      this.worker = undefined
      for (const { reject } of this.waiting.values()) reject(error)
      this.waiting.clear()
    }
    worker.on('error', stopped)
    worker.on('exit', () => stopped(new Error('the bcrypt worker stopped')))
    return worker
  }
}
