import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import type { CollectorDefinition, Flag } from 'promkit/exporter'
import { type SystemPaths, systemPaths } from './paths.js'

/** What a fields collector reads and how it names what it read. */
export interface FieldsCollectorOptions {
  readonly name: string
  /** The middle of each metric's name: `node_<subsystem>_<field>`. */
  readonly subsystem: string
  /** Its `--collector.<name>.fields` regexp. */
  readonly fields: Flag<RegExp>
  readonly help: (field: string) => string
  /** Every field the kernel gives, by name. */
  read(paths: SystemPaths): Promise<Map<string, number>>
}

/**
 * A collector of node_exporter's `node_<subsystem>_<field>` values (untyped, as node_exporter has them) for the
 * fields its `fields` regexp matches: vmstat and netstat. Which fields exist depends on the kernel, so it is unchecked.
 */
export function fieldsCollector(options: FieldsCollectorOptions): CollectorDefinition {
  return {
    name: options.name,
    defaultEnabled: true,
    flags: [options.fields],
    create(context): Collector {
      const paths = systemPaths(context)
      const wanted = context.value(options.fields)
      const descFor = cachedDescs(
        (field) =>
          new Desc({
            namespace: context.namespace,
            subsystem: options.subsystem,
            name: field,
            help: options.help(field),
          }),
      )
      return {
        describe: () => [],
        async collect(emit) {
          for (const [field, value] of await options.read(paths)) {
            if (wanted.test(field)) emit(constMetric(descFor(field), 'untyped', value))
          }
        },
      }
    },
  }
}
