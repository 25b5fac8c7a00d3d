#!/usr/bin/env node
// system_exporter: host metrics from /proc and /sys, named as node_exporter 1.5 names them.
import { defineExporter } from 'promkit/exporter'
import { systemExporter } from './exporter.js'

defineExporter(systemExporter).main()
