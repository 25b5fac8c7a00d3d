#!/usr/bin/env node
// probe_exporter: HTTP and TCP probes with blackbox_exporter 0.23's modules and metrics.
import { defineExporter } from 'promkit/exporter'
import { probeExporter } from './exporter.js'

defineExporter(probeExporter).main()
