#!/usr/bin/env node
// vsphere_exporter: VMs, hosts, datastores and clusters from vCenter, with vmware_exporter's names.
import { defineExporter } from 'promkit/exporter'
import { vsphereExporter } from './exporter.js'

defineExporter(vsphereExporter).main()
