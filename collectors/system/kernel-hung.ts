import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, readOptional, systemPaths } from './paths.js'

/**
 * node_exporter's kernel_hung collector (a default since 1.12): `node_kernel_hung_tasks_total`, the tasks the kernel's
 * hung task detector has reported since boot (/proc/sys/kernel/hung_task_detect_count, Linux 6.12 and later). Nothing
 * on older kernels.
 */
export const kernelHungCollector: CollectorDefinition = {
  name: 'kernel_hung',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const hung = new Desc({
      namespace: context.namespace,
      subsystem: 'kernel',
      name: 'hung_tasks_total',
      help: 'Total number of tasks that have been detected as hung since the system booted.',
    })
    return {
      describe: () => [hung],
      async collect(emit) {
        const file = paths.proc('sys', 'kernel', 'hung_task_detect_count')
        const text = await readOptional(file)
        if (text !== undefined) emit(constMetric(hung, 'counter', number(text.trim(), file, 'the count')))
      },
    }
  },
}
