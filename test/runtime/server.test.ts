import { pino } from 'pino'
import t from 'tap'
import { BasicAuth } from '../../src/runtime/basic-auth.js'
import type { ExporterDefinition } from '../../src/runtime/index.js'
import { parseCommandLine } from '../../src/runtime/flags.js'
import { MetricsHandler } from '../../src/http/handler.js'
import { createServer } from '../../src/runtime/server.js'
import { emptyWebConfig } from '../../src/runtime/web-config.js'

// In-process: what the server does when the scrape itself crashes, which no request can cause from outside.
const definition: ExporterDefinition = {
  name: 'crash_exporter',
  description: 'd',
  version: '1',
  defaultListenAddress: ':1',
  namespace: 'crash',
  envPrefix: 'CRASH',
  collectors: [],
}

async function serverWith(failure: Error) {
  const lines: string[] = []
  const logger = pino({ base: undefined }, { write: (line: string) => void lines.push(line) })
  const { options } = parseCommandLine(definition, ['node', 'x'], {}, () => {})
  const app = await createServer(
    {
      definition,
      options: options as NonNullable<typeof options>,
      logger,
      telemetry: new MetricsHandler({ gather: () => Promise.reject(failure) }),
      target: undefined,
      security: () => ({ webConfig: emptyWebConfig, auth: new BasicAuth(new Map()) }),
      reloadConfig: undefined,
    },
    undefined,
  )
  return { app, lines }
}

t.test('an unexpected crash while scraping is a logged 500, never an unlogged one', async (t) => {
  const { app, lines } = await serverWith(new Error('encoder exploded'))
  const answer = await app.inject({ method: 'GET', url: '/metrics' })
  t.same([answer.statusCode, answer.body], [500, 'internal error\n'])
  t.match(JSON.parse(lines[0] as string), {
    level: 50,
    path: '/metrics',
    err: 'encoder exploded',
    msg: 'request failed',
  })
  await app.close()
})

t.test('an error that carries a 4xx status keeps it', async (t) => {
  const { app, lines } = await serverWith(Object.assign(new Error('payload too large'), { statusCode: 413 }))
  const answer = await app.inject({ method: 'GET', url: '/metrics' })
  t.same([answer.statusCode, answer.body, lines], [413, 'payload too large\n', []])
  await app.close()
})
