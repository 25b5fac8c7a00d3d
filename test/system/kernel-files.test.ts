import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { KernelFiles } from '../../collectors/system/kernel-files.js'

/** The paths this process has open. */
function openPaths(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return []
    }
  })
}

const roomy = { capacity: 100, idleMs: 60_000, now: Date.now }

t.test('a procfs file stays open and each read gives what the kernel says now', async (t) => {
  const files = new KernelFiles(roomy)
  const comm = `/proc/${process.pid}/comm`
  const name = readFileSync(comm, 'utf8')
  t.teardown(() => writeFileSync(comm, name))
  t.equal(files.read(comm), name)
  t.ok(openPaths().includes(comm), 'kept open')
  writeFileSync(comm, 'promkit-kept')
  t.equal(files.read(comm), 'promkit-kept\n', 'read anew from the kept descriptor')
  t.equal(openPaths().filter((path) => path === comm).length, 1, 'one descriptor, not one per read')
})

t.test('a kept file whose process ended is closed and opened again, which finds it gone', async (t) => {
  const files = new KernelFiles(roomy)
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  const stat = `/proc/${child.pid}/stat`
  t.match(files.read(stat), new RegExp(`^${child.pid} \\(sleep\\) `))
  t.ok(openPaths().includes(stat), 'kept open')
  child.kill()
  await once(child, 'exit')
  t.throws(() => files.read(stat), { code: 'ENOENT' })
  t.notOk(openPaths().includes(stat), 'closed')
})

t.test('a file on disk is opened on each read, so a replaced one is read anew', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-kernel-files-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'os-release')
  writeFileSync(path, 'one\n')
  const files = new KernelFiles(roomy)
  t.equal(files.read(path), 'one\n')
  t.notOk(openPaths().includes(path), 'not kept open')
  writeFileSync(join(dir, 'next'), 'two\n')
  renameSync(join(dir, 'next'), path)
  t.equal(files.read(path), 'two\n')
  t.notOk(openPaths().includes(path), 'not kept open')
})

t.test('a read that fails (a directory) keeps nothing open', async (t) => {
  const files = new KernelFiles(roomy)
  const dir = `/proc/${process.pid}/fdinfo`
  t.throws(() => files.read(dir), { code: 'EISDIR' })
  t.notOk(openPaths().includes(dir))
})

t.test('past its capacity, files are read but not kept', async (t) => {
  const files = new KernelFiles({ ...roomy, capacity: 1 })
  t.match(files.read('/proc/loadavg'), /^\d+\.\d+ /)
  t.match(files.read('/proc/uptime'), /^\d+\.\d+ /)
  const open = openPaths()
  t.ok(open.includes('/proc/loadavg'), 'the first kept')
  t.notOk(open.includes('/proc/uptime'), 'the second read and closed')
})

t.test('a file not read for idleMs is closed at the next read after that', async (t) => {
  let clock = 0
  const files = new KernelFiles({ capacity: 100, idleMs: 1000, now: () => clock })
  files.read('/proc/cmdline')
  clock = 999
  files.read('/proc/filesystems')
  t.ok(openPaths().includes('/proc/cmdline'), 'not idle long enough yet')
  clock = 1500
  files.read('/proc/version')
  const open = openPaths()
  t.notOk(open.includes('/proc/cmdline'), 'idle for 1.5 s: closed')
  t.ok(open.includes('/proc/filesystems'), 'read 0.5 s ago: still open')
  t.match(files.read('/proc/cmdline'), /\S/, 'read again when asked')
})

t.test(
  'a file that is there but refuses reads for now stays kept, and each read throws what the kernel says',
  async (t) => {
    const files = new KernelFiles(roomy)
    // Loopback has no link speed: the kernel answers EINVAL to every read of it.
    const speed = '/sys/class/net/lo/speed'
    const device = realpathSync(speed)
    t.throws(() => files.read(speed), { code: 'EINVAL' })
    t.ok(openPaths().includes(device), 'kept open after the failed read')
    t.throws(() => files.read(speed), { code: 'EINVAL' }, 'read again from the kept descriptor')
    t.equal(openPaths().filter((path) => path === device).length, 1, 'one descriptor, not one per read')
  },
)
