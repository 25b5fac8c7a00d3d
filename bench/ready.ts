import { setTimeout as sleep } from 'node:timers/promises'

/** Polls `url` until it answers 2xx (at most 20 s): a peer the bench started is ready. */
export async function ready(url: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(50)) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return
  }
  throw new Error(`${url} did not answer within 20 s`)
}
