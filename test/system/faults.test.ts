import { execFileSync } from 'node:child_process'
import {
  closeSync,
  constants,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry, encode } from 'promkit'
import t from 'tap'
import { isDirectory, readDeviceOptional, readOptional } from '../../collectors/system/paths.js'
import { expectLog, get, samples, startExporter } from '../helpers/exporter-process.js'
import { pathArgs, systemContext, systemExporter } from '../helpers/system.js'

const fixture = new URL('../fixtures/system', import.meta.url).pathname

t.test('FIFOs and a directory in place of files fail only their collectors, scrape after scrape', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'promkit-faults-'))
  cpSync(fixture, root, { recursive: true })
  const fifo = join(root, 'proc', 'loadavg')
  rmSync(fifo)
  execFileSync('mkfifo', [fifo])
  // A device file (read asynchronously, as a sensor's may take seconds) that never answers: a FIFO stands in for it.
  const zone = join(root, 'sys', 'class', 'powercap', 'intel-rapl:0')
  mkdirSync(zone, { recursive: true })
  writeFileSync(join(zone, 'name'), 'package-0\n')
  const deviceFifo = join(zone, 'energy_uj')
  execFileSync('mkfifo', [deviceFifo])
  // Root reads any file whatever its mode, so "unreadable" is a directory where a file should be (EISDIR).
  rmSync(join(root, 'proc', 'meminfo'))
  mkdirSync(join(root, 'proc', 'meminfo'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const exporter = await startExporter(t, systemExporter, pathArgs(root))
  // The exporter's open() of the device FIFO waits for a writer: be one at the end, so that it returns.
  t.teardown(() => closeSync(openSync(deviceFifo, constants.O_WRONLY | constants.O_NONBLOCK)))
  for (let scrape = 1; scrape <= 6; scrape++) {
    const answer = await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '1.5' } })
    t.equal(answer.status, 200)
    const failed = samples(answer.text, 'node_scrape_collector_success').filter((line) => line.endsWith(' 0'))
    t.same(
      failed,
      [
        'node_scrape_collector_success{collector="loadavg"} 0',
        'node_scrape_collector_success{collector="meminfo"} 0',
        'node_scrape_collector_success{collector="rapl"} 0',
      ],
      `scrape ${scrape}: only the three broken files' collectors fail`,
    )
  }
  await expectLog(
    t,
    exporter,
    new RegExp(
      `collector=loadavg code=PROMKIT_ERR_COLLECT_FAILED .*msg="loadavg: collect\\(\\) failed: ${fifo} is not a regular file \\(a FIFO, socket or device\\?\\): not reading it"`,
    ),
  )
  await expectLog(
    t,
    exporter,
    new RegExp(
      `collector=rapl code=PROMKIT_ERR_COLLECT_FAILED .*msg="rapl: collect\\(\\) failed: a read of ${deviceFifo} has been pending for over 1 s \\(a FIFO, or a hung filesystem\\?\\): not starting another until it ends"`,
    ),
  )
  await expectLog(
    t,
    exporter,
    /collector=meminfo code=PROMKIT_ERR_COLLECT_FAILED .*EISDIR: illegal operation on a directory, read/,
  )
})

t.test('a kernel file longer than the read buffer is read whole, characters cut between reads kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-long-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // 150,000 characters of two bytes each: 300,000 bytes, over four 64 KiB buffers, cut inside characters.
  const text = '\u00e9'.repeat(150_000)
  writeFileSync(join(dir, 'long'), text)
  t.equal(await readOptional(join(dir, 'long')), text)
  writeFileSync(join(dir, 'exact'), 'x'.repeat(64 * 1024))
  t.equal((await readOptional(join(dir, 'exact')))?.length, 64 * 1024, 'exactly one buffer')
})

t.test('isDirectory: a directory, links followed; not one when absent or when it cannot be looked at', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-isdir-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'device'))
  symlinkSync(join(dir, 'device'), join(dir, 'link'))
  writeFileSync(join(dir, 'file'), '1\n')
  // A link to itself: looking at it fails with ELOOP.
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'))
  t.same(
    ['device', 'link', 'file', 'absent', 'file/below', 'loop'].map((entry) => isDirectory(join(dir, entry))),
    [true, true, false, false, false, false],
  )
})

t.test('overlapping reads of a device file share one read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-device-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fifo = join(dir, 'power1_average')
  execFileSync('mkfifo', [fifo])
  const reads = [readDeviceOptional(fifo), readDeviceOptional(fifo)]
  // Be the device: once the exporter's read has the FIFO open, answer once. Two reads would split the answer.
  let writer: number | undefined
  for (let attempt = 0; writer === undefined && attempt < 200; attempt++) {
    try {
      writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  writeSync(writer as number, '12500000\n')
  closeSync(writer as number)
  t.same(await Promise.all(reads), ['12500000\n', '12500000\n'])
})

t.test(
  'hung mounts: at most two statfs calls are ever stuck, the rest report device_error without asking',
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'promkit-mounts-'))
    t.teardown(() => rmSync(root, { recursive: true, force: true }))
    mkdirSync(join(root, 'proc', '1'), { recursive: true })
    const mounts = ['/a', '/b', '/c', '/d']
    writeFileSync(
      join(root, 'proc', '1', 'mounts'),
      mounts.map((mount, i) => `/dev/vd${i} ${mount} ext4 rw 0 0\n`).join(''),
    )
    const asked: string[] = []
    const actual = await import('node:fs/promises')
    const { filesystemCollector } = await t.mockImport<typeof import('../../collectors/system/filesystem.js')>(
      '../../collectors/system/filesystem.js',
      {
        'node:fs/promises': {
          ...actual,
          statfs: (path: string) => {
            asked.push(path)
            return new Promise(() => {})
          },
        },
        promkit: await import('promkit'),
      },
    )
    const lines: string[] = []
    const registry = new Registry()
    const flags = {
      'path.rootfs': '/',
      'collector.filesystem.mount-timeout': '30ms',
      'collector.filesystem.mount-points-exclude': '^$',
      'collector.filesystem.fs-types-exclude': '^$',
    }
    registry.register({ ...(await filesystemCollector.create(systemContext(root, flags, lines))), name: 'filesystem' })
    for (let scrape = 0; scrape < 3; scrape++) {
      const text = encode((await registry.gather()).families, 'text')
      t.same(
        samples(text, 'node_filesystem_device_error').map((line) => line.slice(-1)),
        ['1', '1', '1', '1'],
      )
    }
    t.same(asked, ['/a', '/b'], 'two statfs calls hang; no third is started')
    t.match(lines.join(''), /"msg":"2 mount points are stuck; no statfs is started until one answers"/)
  },
)
