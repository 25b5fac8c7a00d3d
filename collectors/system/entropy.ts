import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, readRequired, systemPaths } from './paths.js'

/** `node_entropy_available_bits` and `node_entropy_pool_size_bits`, from /proc/sys/kernel/random. */
export const entropyCollector: CollectorDefinition = {
  name: 'entropy',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const available = new Desc({
      namespace: context.namespace,
      subsystem: 'entropy',
      name: 'available_bits',
      help: 'Bits of available entropy.',
    })
    const poolSize = new Desc({
      namespace: context.namespace,
      subsystem: 'entropy',
      name: 'pool_size_bits',
      help: 'Bits of entropy pool.',
    })
    const read = async (file: string) =>
      number(
        (await readRequired(paths.proc('sys', 'kernel', 'random', file))).trim(),
        `/proc/sys/kernel/random/${file}`,
        file,
      )
    return {
      describe: () => [available, poolSize],
      async collect(emit) {
        const [bits, pool] = await Promise.all([read('entropy_avail'), read('poolsize')])
        emit(constMetric(available, 'gauge', bits))
        emit(constMetric(poolSize, 'gauge', pool))
      },
    }
  },
}
