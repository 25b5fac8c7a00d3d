import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import t from 'tap'
import { expectLog, get, samples, startExporter } from '../helpers/exporter-process.js'

// No Docker engine runs on these machines, so this test runs the Dockerfile's own instructions:
// each stage gets a directory standing in for its filesystem, COPY and RUN are carried out as
// written, and the last stage is started with the image's ENTRYPOINT and CMD. If the Dockerfile
// rots (a missing COPY, a broken RUN, a wrong entry point), this fails.

const repo = resolve(new URL('../..', import.meta.url).pathname)

interface Instruction {
  readonly keyword: string
  readonly args: string
}

function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ')
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() }
    })
}

const dockerfile = instructions(readFileSync(join(repo, 'Dockerfile'), 'utf8'))
const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n').filter((line) => line.trim() !== '')

t.test('the Dockerfile builds and runs, step by step, and the image serves metrics', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'promkit-docker-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const stages = new Map<string, string>()
  let stage = ''
  let workdir = '/'
  let env: Record<string, string> = {}
  const final: Record<string, string> = {}
  const inStage = (path: string) => join(stage, path.startsWith('/') ? path : join(workdir, path))
  for (const { keyword, args } of dockerfile) {
    switch (keyword) {
      case 'FROM': {
        const [image, , name] = args.split(/\s+/)
        t.match(image, /^node:20-/, 'the base image is Node 20, as on these machines')
        stage = join(root, `stage-${stages.size}`)
        mkdirSync(stage)
        stages.set(name ?? `stage-${stages.size}`, stage)
        workdir = '/'
        env = {}
        break
      }
      case 'WORKDIR':
        workdir = args
        mkdirSync(inStage('.'), { recursive: true })
        break
      case 'ENV':
      case 'ARG': {
        // A build argument is in RUN's environment, as Docker gives it; here it keeps its default.
        const [name, value = ''] = args.split('=') as [string, string?]
        env[name] = value
        break
      }
      case 'COPY': {
        const from = /^--from=(\S+)\s+/.exec(args)
        const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/)
        const destination = inStage(parts.pop() as string)
        for (const source of parts) {
          if (!from) t.notOk(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is not in .dockerignore`)
          const origin = from ? join(stages.get(from[1] as string) as string, source) : join(repo, source)
          t.ok(existsSync(origin), `COPY ${source}: it exists`)
          const target = parts.length > 1 || destination.endsWith('/') ? join(destination, source.split('/').pop() as string) : destination
          cpSync(origin, target, { recursive: true })
        }
        break
      }
      case 'RUN': {
        const run = spawnSync('bash', ['-c', args], { cwd: inStage('.'), env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 })
        t.equal(run.status, 0, `RUN ${args}${run.status === 0 ? '' : `\n${run.stderr}`}`)
        break
      }
      default:
        final[keyword] = args
    }
  }
  t.match(final.USER, /^(?!root$)\S+/, 'the image runs as a non-root user')
  t.equal(final.EXPOSE, '9100 9121', 'it exposes the system and Redis exporters\' ports')
  const app = inStage('.')
  t.notOk(existsSync(join(app, 'src')) || existsSync(join(app, 'node_modules', 'typescript')) || existsSync(join(app, 'node_modules', 'tap')), 'the runtime stage has dist/ and production dependencies only')

  const entrypoint = JSON.parse(final.ENTRYPOINT as string) as string[]
  const command = JSON.parse(final.CMD as string) as string[]
  t.same([entrypoint[0], command], ['node', ['system_exporter']])
  const exporter = await startExporter(t, join(app, entrypoint[1] as string), command, { cwd: app, env: env })
  await expectLog(t, exporter, /system_exporter listening on 127\.0\.0\.1:\d+/)
  const text = (await get(`${exporter.base}/metrics`)).text
  t.equal(samples(text, 'node_memory_MemTotal_bytes').length, 1, 'real host metrics from the built image tree')
  const health = JSON.parse((final.HEALTHCHECK as string).replace(/^.*?CMD\s+/, '')) as string[]
  const probe = spawnSync(health[0] === 'node' ? process.execPath : (health[0] as string), health.slice(1), { cwd: app, env: { ...process.env, PROMKIT_HEALTH_URL: `${exporter.base}/healthz` }, timeout: 10_000 })
  t.equal(probe.status, 0, 'the HEALTHCHECK passes against the running exporter')
  const down = spawnSync(process.execPath, health.slice(1), { cwd: app, env: { ...process.env, PROMKIT_HEALTH_URL: 'http://127.0.0.1:1/healthz' }, timeout: 10_000 })
  t.equal(down.status, 1, 'and fails when nothing answers')
  const list = execFileSync(process.execPath, [join(app, entrypoint[1] as string), '--help'], { cwd: app, encoding: 'utf8' })
  t.match(list, /Exporters:\n {2}system_exporter /, '`docker run <image> --help` lists the exporters')
  const version = execFileSync(process.execPath, [join(app, entrypoint[1] as string), 'system_exporter', '--version'], { cwd: app, encoding: 'utf8' })
  t.match(version, /^system_exporter, version 0\.1\.0 \(branch: unknown, revision: unknown\)\n {2}build date: +\S+\n/, 'the image says its version; its revision is the --build-arg, unknown by default')
})
