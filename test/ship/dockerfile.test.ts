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
const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')

/** One stage as the test carries it out: a directory for its filesystem, and what its instructions set. */
interface Stage {
  readonly dir: string
  workdir: string
  readonly env: Record<string, string>
  /** The last value of each metadata instruction (USER, EXPOSE, CMD, …), as an image records it. */
  readonly meta: Record<string, string>
  readonly labels: Record<string, string>
}

/** `KEY=value` pairs of ENV, ARG and LABEL, values quoted or not. */
function pairs(args: string): [string, string][] {
  return [...args.matchAll(/([\w.-]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g)].map(([, key, value = '']) => [
    key as string,
    value.replace(/^"(.*)"$/, '$1'),
  ])
}

t.test('the Dockerfile builds and runs, step by step, and its images serve metrics', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'promkit-docker-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const stages = new Map<string, Stage>()
  let stage = undefined as unknown as Stage
  const inStage = (path: string) => join(stage.dir, path.startsWith('/') ? path : join(stage.workdir, path))
  for (const { keyword, args } of dockerfile) {
    switch (keyword) {
      case 'FROM': {
        const [image, , name] = args.split(/\s+/) as [string, string?, string?]
        const parent = stages.get(image)
        const dir = join(root, `stage-${stages.size}`)
        if (parent) cpSync(parent.dir, dir, { recursive: true })
        else {
          t.match(image, /^node:22-/, 'the base image is Node 22 LTS')
          mkdirSync(dir)
        }
        stage = {
          dir,
          workdir: parent?.workdir ?? '/',
          env: { ...parent?.env },
          meta: { ...parent?.meta },
          labels: { ...parent?.labels },
        }
        stages.set(name ?? `stage-${stages.size}`, stage)
        break
      }
      case 'WORKDIR':
        stage.workdir = args
        mkdirSync(inStage('.'), { recursive: true })
        break
      // A build argument is in RUN's environment, as Docker gives it; here it keeps its default.
      case 'ENV':
      case 'ARG':
        for (const [name, value] of pairs(args)) stage.env[name] = value
        break
      case 'LABEL':
        for (const [name, value] of pairs(args))
          stage.labels[name] = value.replace(/\$\{(\w+)\}/g, (_, arg: string) => stage.env[arg] ?? '')
        break
      case 'COPY': {
        const from = /^--from=(\S+)\s+/.exec(args)
        const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/)
        const destination = inStage(parts.pop() as string)
        for (const source of parts) {
          if (!from)
            t.notOk(
              ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
              `${source} is not in .dockerignore`,
            )
          const origin = from
            ? join((stages.get(from[1] as string) as Stage).dir, source.startsWith('/') ? source : join('/', source))
            : join(repo, source)
          t.ok(existsSync(origin), `COPY ${source}: it exists`)
          const target =
            parts.length > 1 || destination.endsWith('/')
              ? join(destination, source.split('/').pop() as string)
              : destination
          cpSync(origin, target, { recursive: true })
        }
        break
      }
      case 'RUN': {
        const run = spawnSync('bash', ['-c', args], {
          cwd: inStage('.'),
          env: { ...process.env, ...stage.env },
          encoding: 'utf8',
          timeout: 300_000,
        })
        t.equal(run.status, 0, `RUN ${args}${run.status === 0 ? '' : `\n${run.stderr}`}`)
        break
      }
      default:
        stage.meta[keyword] = args
    }
  }
  const image = (name: string) => stages.get(name) as Stage
  t.equal([...stages.keys()].pop(), 'system_exporter', 'the default target (the last stage) is the system exporter')
  for (const [name, port] of [
    ['system_exporter', '9100'],
    ['redis_exporter', '9121'],
    ['kafka_exporter', '9308'],
    ['probe_exporter', '9115'],
    ['kubelet_exporter', '9779'],
    ['vsphere_exporter', '9272'],
  ] as const) {
    const { meta, labels, env } = image(name)
    t.match(meta.USER, /^(?!root$)\S+/, `${name}: runs as a non-root user`)
    t.same([meta.EXPOSE, JSON.parse(meta.CMD as string)], [port, [name]], `${name}: exposes its port and runs itself`)
    t.same(
      Object.keys(labels)
        .filter((label) => /^org\.opencontainers\.image\.(version|revision|source)$/.test(label))
        .sort(),
      ['org.opencontainers.image.revision', 'org.opencontainers.image.source', 'org.opencontainers.image.version'],
      `${name}: OCI labels`,
    )
    t.equal(
      labels['org.opencontainers.image.revision'],
      'unknown',
      `${name}: the revision is the --build-arg, unknown by default`,
    )
    t.equal(
      env.PROMKIT_HEALTH_URL ?? 'http://127.0.0.1:9100/healthz',
      `http://127.0.0.1:${port}/healthz`,
      `${name}: the HEALTHCHECK asks its own port`,
    )
  }
  const vsphereOptions = image('vsphere_exporter').env.NODE_OPTIONS
  t.equal(vsphereOptions, '--max-semi-space-size=8', "vsphere_exporter: V8's smaller young generation")
  t.equal(image('vsphere_exporter').env.MALLOC_ARENA_MAX, '1', 'vsphere_exporter: one malloc arena')
  const accepted = spawnSync(process.execPath, ['-e', ''], { env: { ...process.env, NODE_OPTIONS: vsphereOptions } })
  t.same([accepted.status, accepted.stderr.toString()], [0, ''], 'Node takes it from NODE_OPTIONS')
  const { meta, env } = image('system_exporter')
  const app = join(image('system_exporter').dir, image('system_exporter').workdir)
  t.notOk(
    existsSync(join(app, 'src')) ||
      existsSync(join(app, 'node_modules', 'typescript')) ||
      existsSync(join(app, 'node_modules', 'tap')),
    'the runtime stage has dist/ and production dependencies only',
  )
  t.ok(existsSync(join(app, 'node_modules', 'fastify')), 'the production dependencies came from the build stage')

  const entrypoint = JSON.parse(meta.ENTRYPOINT as string) as string[]
  const command = JSON.parse(meta.CMD as string) as string[]
  t.equal(entrypoint[0], 'node')
  const exporter = await startExporter(t, join(app, entrypoint[1] as string), command, { cwd: app, env })
  await expectLog(t, exporter, /system_exporter listening on 127\.0\.0\.1:\d+/)
  const text = (await get(`${exporter.base}/metrics`)).text
  t.equal(samples(text, 'node_memory_MemTotal_bytes').length, 1, 'real host metrics from the built image tree')
  const health = JSON.parse((meta.HEALTHCHECK as string).replace(/^.*?CMD\s+/, '')) as string[]
  const probe = spawnSync(health[0] === 'node' ? process.execPath : (health[0] as string), health.slice(1), {
    cwd: app,
    env: { ...process.env, PROMKIT_HEALTH_URL: `${exporter.base}/healthz` },
    timeout: 10_000,
  })
  t.equal(probe.status, 0, 'the HEALTHCHECK passes against the running exporter')
  const down = spawnSync(process.execPath, health.slice(1), {
    cwd: app,
    env: { ...process.env, PROMKIT_HEALTH_URL: 'http://127.0.0.1:1/healthz' },
    timeout: 10_000,
  })
  t.equal(down.status, 1, 'and fails when nothing answers')
  const list = execFileSync(process.execPath, [join(app, entrypoint[1] as string), '--help'], {
    cwd: app,
    encoding: 'utf8',
  })
  t.match(
    list,
    /Exporters:\n {2}system_exporter .*\n {2}redis_exporter .*\n {2}kafka_exporter .*\n {2}probe_exporter .*\n {2}kubelet_exporter .*\n {2}vsphere_exporter .*\n {2}directory_exporter .*\n$/,
    '`docker run <image> --help` lists every shipped exporter',
  )
  const version = execFileSync(process.execPath, [join(app, entrypoint[1] as string), 'system_exporter', '--version'], {
    cwd: app,
    encoding: 'utf8',
  })
  t.match(
    version,
    /^system_exporter, version 0\.1\.0 \(branch: unknown, revision: unknown\)\n {2}build date: +\S+\n/,
    'the image says its version; its revision is the --build-arg, unknown by default',
  )
  const redisApp = join(image('redis_exporter').dir, image('redis_exporter').workdir)
  const redis = await startExporter(
    t,
    join(redisApp, entrypoint[1] as string),
    [...JSON.parse(image('redis_exporter').meta.CMD as string), '--redis.addr', 'redis://127.0.0.1:1'],
    { cwd: redisApp, env: image('redis_exporter').env },
  )
  t.same(
    samples((await get(`${redis.base}/metrics`)).text, 'redis_up '),
    ['redis_up 0'],
    'the redis_exporter image runs its exporter (no Redis here: up 0)',
  )
  const kafkaApp = join(image('kafka_exporter').dir, image('kafka_exporter').workdir)
  const kafka = await startExporter(
    t,
    join(kafkaApp, entrypoint[1] as string),
    [...JSON.parse(image('kafka_exporter').meta.CMD as string), '--kafka.server', '127.0.0.1:1'],
    { cwd: kafkaApp, env: image('kafka_exporter').env },
  )
  t.same(
    samples((await get(`${kafka.base}/metrics`)).text, 'kafka_up'),
    ['kafka_up 0'],
    'the kafka_exporter image runs its exporter (no Kafka here: up 0)',
  )
  const probeImage = image('probe_exporter')
  const probeApp = join(probeImage.dir, probeImage.workdir)
  const prober = await startExporter(
    t,
    join(probeApp, entrypoint[1] as string),
    JSON.parse(probeImage.meta.CMD as string),
    // The image's module file is an absolute path in the image: here, under the stage's tree.
    {
      cwd: probeApp,
      env: { ...probeImage.env, PROBE_EXPORTER_CONFIG_FILE: join(probeApp, 'collectors/probe/blackbox.yml') },
    },
  )
  t.same(
    samples((await get(`${prober.base}/metrics`)).text, 'blackbox_exporter_config_last_reload_successful'),
    ['blackbox_exporter_config_last_reload_successful 1'],
    "the probe_exporter image runs its exporter with the image's module file",
  )
  t.equal(probeImage.env.PROBE_EXPORTER_CONFIG_FILE, '/app/collectors/probe/blackbox.yml')
})
