import t from 'tap'
import { PromkitError } from '../../src/index.js'
import { defineExporter } from '../../src/runtime/index.js'
import { rejects } from '../helpers/refuses.js'

// start() in-process: what a program embedding an exporter sees.
const definition = (create: () => never) => ({
  name: 'embedded_exporter',
  description: 'd',
  version: '1',
  defaultListenAddress: '127.0.0.1:0',
  namespace: 'embedded',
  envPrefix: 'EMBEDDED',
  collectors: [{ name: 'c', defaultEnabled: true, create }],
})

t.test("a collector factory's error keeps its code and gets the collector's name", async (t) => {
  const argv = ['node', 'embedded', '--log.level', 'error']
  await rejects(
    t,
    () =>
      defineExporter(
        definition(() => {
          throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--collector.c.mode: "x" is not a mode')
        }),
      ).start(argv, {}),
    'PROMKIT_ERR_INVALID_FLAG',
    'collector c: --collector.c.mode: "x" is not a mode',
  )
  await rejects(
    t,
    () =>
      defineExporter(
        definition(() => {
          throw new Error('no such device')
        }),
      ).start(argv, {}),
    'PROMKIT_ERR_INVALID_OPTION',
    'collector c: no such device',
  )
  await rejects(
    t,
    () =>
      defineExporter(
        definition(() => {
          throw 'plain'
        }),
      ).start(argv, {}),
    'PROMKIT_ERR_INVALID_OPTION',
    'collector c: "plain"',
  )
})

t.test('start() returns a handle that serves and stops; --version answers with undefined', async (t) => {
  const exporter = defineExporter({
    ...definition(() => ({ describe: () => [], collect() {} }) as never),
    collectors: [{ name: 'c', defaultEnabled: true, create: () => ({ describe: () => [], collect() {} }) }],
  })
  const running = await exporter.start(['node', 'embedded', '--log.level', 'error'], {})
  t.ok(running)
  t.match(running?.addresses, [/^127\.0\.0\.1:\d+$/])
  const answer = await fetch(`http://${running?.addresses[0]}/metrics`)
  t.match(await answer.text(), /embedded_scrape_collector_success\{collector="c"\} 1/)
  await running?.reload()
  await running?.stop()
  await running?.stop()
  t.pass('stop() twice is harmless')
  t.equal(
    await exporter.start(['node', 'embedded', '--version'], {}),
    undefined,
    '--version answers (on stdout) and start() resolves to undefined',
  )
})
