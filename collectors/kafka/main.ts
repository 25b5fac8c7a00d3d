#!/usr/bin/env node
// kafka_exporter: Kafka metrics named as kafka_exporter 1.7 names them.
import { defineExporter } from 'promkit/exporter'
import { kafkaExporter } from './exporter.js'

defineExporter(kafkaExporter).main()
