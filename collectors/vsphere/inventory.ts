import { stringOf } from './properties.js'
import type { ManagedObject } from './vim.js'

/** An entity's place in the inventory tree. */
interface Entity {
  readonly type: string
  readonly name: string
  readonly parent: string | undefined
}

/** How far up the tree a walk goes: deeper than any real inventory, and a bound on a cycle in a hostile answer. */
const maxDepth = 64

/**
 * Where objects are in vCenter's inventory tree (datacenters, folders, clusters, storage pods, and the hosts, VMs and
 * datastores themselves), from their `name` and `parent`: what their datacenter and cluster labels come from. Built
 * from one read of every container type instead of vmware_exporter's walk of the tree, object by object.
 */
export class Inventory {
  private readonly entities = new Map<string, Entity>()

  /** Adds objects read with their `name` and `parent`. */
  add(objects: readonly ManagedObject[]): void {
    for (const object of objects) {
      const parent = object.properties.get('parent')
      this.entities.set(object.ref.value, {
        type: object.ref.type,
        name: stringOf(object, 'name') ?? '',
        parent: parent === undefined ? undefined : (stringOf(object, 'parent') as string),
      })
    }
  }

  /** The name of the nearest ancestor of type `type` of the object `id`, or '' when it has none. */
  ancestor(id: string, type: string): string {
    let current = this.entities.get(id)
    for (let depth = 0; current?.parent !== undefined && depth < maxDepth; depth++) {
      current = this.entities.get(current.parent)
      if (current?.type === type) return current.name
    }
    return ''
  }

  /** The name of the object's parent when the parent is of type `type`, or ''. */
  parentOfType(id: string, type: string): string {
    const parent = this.entities.get(this.entities.get(id)?.parent ?? '')
    return parent?.type === type ? parent.name : ''
  }
}
