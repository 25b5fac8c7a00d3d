#!/usr/bin/env node
// redis_exporter: Redis metrics named as redis_exporter 1.45 names them.
import { defineExporter } from 'promkit/exporter'
import { redisExporter } from './exporter.js'

defineExporter(redisExporter).main()
