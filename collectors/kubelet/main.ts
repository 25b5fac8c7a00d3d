#!/usr/bin/env node
// kubelet_exporter: node, pod and container usage from the kubelet's /stats/summary.
import { defineExporter } from 'promkit/exporter'
import { kubeletExporter } from './exporter.js'

defineExporter(kubeletExporter).main()
