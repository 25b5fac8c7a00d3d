#!/usr/bin/env node
// directory_exporter: files and bytes per directory (the example of README's "Write your own exporter").
import { defineExporter } from 'promkit/exporter'
import { directoryExporter } from './directory-exporter.js'

defineExporter(directoryExporter).main()
