import { machine } from 'node:os'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readOptional, readRequired, systemPaths } from './paths.js'

const fields = ['sysname', 'release', 'version', 'machine', 'nodename', 'domainname'] as const
/** The /proc/sys/kernel file behind each uname field. */
const files: Readonly<Record<(typeof fields)[number], string>> = {
  sysname: 'ostype',
  release: 'osrelease',
  version: 'version',
  machine: 'arch',
  nodename: 'hostname',
  domainname: 'domainname',
}

/**
 * `node_uname_info{sysname,release,version,machine,nodename,domainname}`, read from /proc/sys/kernel (what uname(2)
 * returns).
 */
export const unameCollector: CollectorDefinition = {
  name: 'uname',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const info = new Desc({
      namespace: context.namespace,
      subsystem: 'uname',
      name: 'info',
      help: 'Labeled system information as provided by the uname system call.',
      variableLabels: [...fields],
    })
    return {
      describe: () => [info],
      async collect(emit) {
        const values = await Promise.all(
          fields.map(async (field) => {
            const path = paths.proc('sys', 'kernel', files[field])
            // /proc/sys/kernel/arch is new (Linux 6.1); older kernels give the machine through Node.
            const text = field === 'machine' ? ((await readOptional(path)) ?? machine()) : await readRequired(path)
            return text.trim()
          }),
        )
        emit(constMetric(info, 'gauge', 1, values))
      },
    }
  },
}
