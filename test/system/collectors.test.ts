import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
// The package entry, as the collectors themselves import it: one copy of Desc for both.
import { Registry, encode } from 'promkit'
import type { CollectorDefinition, ExporterContext } from 'promkit/exporter'
import { parseDiskstats } from '../../collectors/system/diskstats.js'
import { parseFileNr } from '../../collectors/system/filefd.js'
import { filesystemCollector, parseMounts } from '../../collectors/system/filesystem.js'
import { parseNetDev } from '../../collectors/system/netdev.js'
import { osCollector } from '../../collectors/system/os.js'
import { pressureCollector, parsePressure } from '../../collectors/system/pressure.js'
import { parseProcStat } from '../../collectors/system/proc-stat.js'
import { unameCollector } from '../../collectors/system/uname.js'
import { samples } from '../helpers/exporter-process.js'
import { systemContext } from '../helpers/system.js'

const fixture = new URL('../fixtures/system', import.meta.url).pathname

async function scrape(definition: CollectorDefinition, ctx: ExporterContext) {
  const registry = new Registry()
  registry.register({ ...(await definition.create(ctx)), name: definition.name })
  const { families, errors } = await registry.gather()
  return { text: encode(families, 'text'), errors: errors.map((e) => e.message) }
}

t.test('parsers refuse malformed input, naming the file and the field', async (t) => {
  const cases: [() => unknown, string][] = [
    [() => parseProcStat('cpu0 1 2 3\n'), "couldn't parse /proc/stat: cpu0 has 3 fields, want at least 8"],
    [
      () =>
        parseProcStat('cpu0 1 2 3 4 5 6 7 x\nbtime 1\nctxt 1\nprocesses 1\nintr 1\nprocs_running 1\nprocs_blocked 1\n'),
      `couldn't parse /proc/stat: cpu0 field 8 is "x", not a number`,
    ],
    [() => parseProcStat('btime 1\n'), `couldn't parse /proc/stat: ctxt is undefined, not a number`],
    [
      () => parseDiskstats('8 0 sda 1 2 3\n'),
      `couldn't parse /proc/diskstats: line "8 0 sda 1 2 3" has 3 counters, want at least 11`,
    ],
    [() => parseFileNr('1 2\n'), `couldn't parse /proc/sys/fs/file-nr: want 3 fields, got "1 2"`],
    [
      () => parseNetDev('h\n face |a b|c\n eth0: 1 2\n'),
      `couldn't parse /proc/net/dev: line "eth0: 1 2" has 2 values, want 3`,
    ],
    [
      () => parseNetDev('h\n face |a b|c\n noColonHere 1 2 3\n'),
      `couldn't parse /proc/net/dev: line "noColonHere 1 2 3" has 4 values, want 3`,
    ],
    [
      () => parsePressure('some avg10=0\n', '/proc/pressure/io'),
      `couldn't parse /proc/pressure/io: no "some|full ... total=" line`,
    ],
    [() => parseMounts('/dev/sda1 / ext4\n'), `couldn't parse mounts: line "/dev/sda1 / ext4" has fewer than 4 fields`],
  ]
  for (const [parse, message] of cases) {
    try {
      parse()
      t.fail(`expected: ${message}`)
    } catch (error) {
      t.equal((error as Error).message, message)
    }
  }
})

t.test('kernels before 2.6.24 have no guest columns in /proc/stat', async (t) => {
  const stat = parseProcStat(
    'cpu0 1 2 3 4 5 6 7 8\nbtime 1\nctxt 2\nprocesses 3\nintr 4\nprocs_running 5\nprocs_blocked 6\n',
  )
  t.same([stat.cpus[0]?.guest, stat.cpus[0]?.guestNice, stat.cpus[0]?.modes.steal], [0, 0, 0.08])
})

t.test('fallbacks: no os-release, no /proc/sys/kernel/arch, and a directory where a file should be', async (t) => {
  const tree = mkdtempSync(join(tmpdir(), 'promkit-collectors-'))
  t.teardown(() => rmSync(tree, { recursive: true, force: true }))
  cpSync(fixture, tree, { recursive: true })
  rmSync(join(tree, 'root', 'etc', 'os-release'))
  rmSync(join(tree, 'proc', 'sys', 'kernel', 'arch'))
  rmSync(join(tree, 'proc', 'pressure', 'io'))
  mkdirSync(join(tree, 'proc', 'pressure', 'io'))
  const lines: string[] = []
  const os = await scrape(osCollector, systemContext(tree, {}, lines))
  t.same([os.text, os.errors], ['', []], 'no os-release: no data, no error')
  t.match(lines.join(''), /no os-release file; the os collector has no data/)
  const uname = await scrape(unameCollector, systemContext(tree))
  t.match(
    samples(uname.text, 'node_uname_info')[0],
    new RegExp(`machine="${process.arch === 'x64' ? 'x86_64' : '[^"]+'}"`),
    'the machine comes from Node when the kernel has no arch file',
  )
  const pressure = await scrape(pressureCollector, systemContext(tree))
  t.same(
    pressure.errors,
    ['pressure: collect() failed: EISDIR: illegal operation on a directory, read'],
    'an unreadable file is an error, not "no data"',
  )
  rmSync(join(tree, 'proc', 'pressure', 'io'), { recursive: true })
  writeFileSync(join(tree, 'proc', 'pressure', 'io'), 'full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n')
  t.same(
    (await scrape(pressureCollector, systemContext(tree))).errors,
    [`pressure: collect() failed: couldn't parse ${join(tree, 'proc', 'pressure', 'io')}: no "some ... total=" line`],
    'io, cpu and memory need their "some" line',
  )
  rmSync(join(tree, 'proc', '1'), { recursive: true })
  writeFileSync(join(tree, 'proc', 'mounts'), '/dev/vda9 / ext4 ro 0 0\n')
  const filesystem = await scrape(filesystemCollector, systemContext(tree))
  t.same(
    samples(filesystem.text, 'node_filesystem_readonly'),
    ['node_filesystem_readonly{device="/dev/vda9",fstype="ext4",mountpoint="/"} 1'],
    'without /proc/1/mounts, /proc/mounts is read',
  )
})

t.test('a mount whose statfs never answers is marked stuck, skipped, and recovers', async (t) => {
  let answer: ((stats: unknown) => void) | undefined
  const actual = await import('node:fs/promises')
  const { filesystemCollector } = await t.mockImport<typeof import('../../collectors/system/filesystem.js')>(
    '../../collectors/system/filesystem.js',
    {
      'node:fs/promises': { ...actual, statfs: () => new Promise((resolve) => (answer = resolve)) },
      // The same promkit instance as this test's Registry (a fresh import would bring a second Desc class).
      promkit: await import('promkit'),
    },
  )
  const lines: string[] = []
  const ctx = systemContext(
    fixture,
    {
      'collector.filesystem.mount-timeout': '50ms',
      'collector.filesystem.mount-points-exclude': '^/(proc|run|srv)',
      'collector.filesystem.fs-types-exclude': '^proc$',
    },
    lines,
  )
  const registry = new Registry()
  registry.register({ ...(await filesystemCollector.create(ctx)), name: 'filesystem' })
  const first = encode((await registry.gather()).families, 'text')
  t.same(samples(first, 'node_filesystem_device_error', 'node_filesystem_size'), [
    'node_filesystem_device_error{device="/dev/vda1",fstype="ext4",mountpoint="/"} 1',
  ])
  t.match(lines.join(''), /statfs did not answer in 50 ms; marking the mount point stuck/)
  const second = encode((await registry.gather()).families, 'text')
  t.same(samples(second, 'node_filesystem_device_error'), [
    'node_filesystem_device_error{device="/dev/vda1",fstype="ext4",mountpoint="/"} 1',
  ])
  const log = lines.join('')
  t.match(log, /mount point is still stuck; skipping it/)
  t.equal(log.match(/did not answer/g)?.length, 1, 'the stuck mount was not asked (and waited for) again')
  answer?.({ blocks: 10, bsize: 4096, bfree: 5, bavail: 4, files: 100, ffree: 50 })
  await new Promise((resolve) => setImmediate(resolve))
  const third = encode((await registry.gather()).families, 'text')
  t.same(
    samples(third, 'node_filesystem_device_error'),
    ['node_filesystem_device_error{device="/dev/vda1",fstype="ext4",mountpoint="/"} 1'],
    'a new statfs is asked and again does not answer',
  )
  answer?.({ blocks: 10, bsize: 4096, bfree: 5, bavail: 4, files: 100, ffree: 50 })
})
