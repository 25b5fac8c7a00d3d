// The Grafana dashboards of deploy/monitoring, one per folder, built from the short descriptions below so that every
// dashboard has the same frame (datasource, job and instance variables, two panels a row) and a reader sees at a
// glance what each shows. `npm run dashboards` writes them to <folder>/dashboard.json; test/ship/monitoring.test.ts
// fails when a written file differs from what this builds. Written here rather than with jsonnet and grafonnet (the
// mixins' way) because neither is packaged for these machines, and the dashboards need only this small frame.

/** One panel: a title, the unit of its values, and its queries with their legends. */
export interface PanelSpec {
  readonly title: string
  /** A Grafana unit: `s`, `bytes`, `Bps`, `percentunit`, `short`, `reqps`, `ops`, `d`, … */
  readonly unit: string
  /** PromQL queries and their legends; `$sel` stands for `job=~"$job", instance=~"$instance"`. */
  readonly queries: readonly (readonly [expr: string, legend: string])[]
}

/** One dashboard: what it is for, the series that name its jobs and instances, and its panels. */
export interface DashboardSpec {
  readonly title: string
  readonly uid: string
  readonly description: string
  /** A series every job and instance of this exporter has, for the `job` and `instance` variables. */
  readonly targets: string
  readonly panels: readonly PanelSpec[]
}

/** The label matchers that `$sel` stands for in a panel's queries. */
const selected = 'job=~"$job", instance=~"$instance"'
const prometheus = { type: 'prometheus', uid: '${datasource}' }

function variable(name: string, query: string) {
  const label = `${name[0]?.toUpperCase()}${name.slice(1)}`
  return { name, type: 'query', datasource: prometheus, query, refresh: 2, includeAll: true, multi: true, label }
}

/** A series selector narrowed to the jobs of the `job` variable. */
function withJob(selector: string): string {
  const job = 'job=~"$job"'
  return selector.endsWith('}') ? `${selector.slice(0, -1)}, ${job}}` : `${selector}{${job}}`
}

/** The Grafana dashboard JSON (schema 39) a description stands for. */
export function dashboard(spec: DashboardSpec): object {
  const panels = spec.panels.map((panel, index) => ({
    id: index + 1,
    type: 'timeseries',
    title: panel.title,
    datasource: prometheus,
    gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    targets: panel.queries.map(([expr, legend], query) => ({
      refId: String.fromCharCode(65 + query),
      expr: expr.replaceAll('$sel', selected),
      legendFormat: legend,
    })),
  }))
  return {
    title: spec.title,
    uid: spec.uid,
    description: spec.description,
    tags: ['promkit'],
    timezone: 'browser',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        variable('job', `label_values(${spec.targets}, job)`),
        variable('instance', `label_values(${withJob(spec.targets)}, instance)`),
      ],
    },
    panels,
  }
}

/** Every folder's dashboard, by folder name. */
export const dashboards: Readonly<Record<string, DashboardSpec>> = {
  promkit: {
    title: 'promkit exporter',
    uid: 'promkit-exporter',
    description:
      "Any promkit exporter's own health: scrape duration, collectors failing and slow, errors, answers, and the " +
      'process. Needs ./rules.yml.',
    targets: '{__name__=~".+_exporter_build_info"}',
    panels: [
      {
        title: 'Scrape duration (mean over 5m)',
        unit: 's',
        queries: [['job_instance:promkit_exporter_scrape_duration_seconds:mean5m{$sel}', '{{instance}}']],
      },
      {
        title: 'Last scrape duration',
        unit: 's',
        queries: [['{__name__=~".+_exporter_last_scrape_duration_seconds", $sel}', '{{instance}}']],
      },
      {
        title: 'Collectors failing (worst over 5m)',
        unit: 'short',
        queries: [
          ['job_instance_collector:promkit_scrape_collector_success:min5m{$sel} == 0', '{{instance}} {{collector}}'],
        ],
      },
      {
        title: 'Collector duration (worst over 5m)',
        unit: 's',
        queries: [
          [
            'topk(10, job_instance_collector:promkit_scrape_collector_duration_seconds:max5m{$sel})',
            '{{instance}} {{collector}}',
          ],
        ],
      },
      {
        title: 'Scrapes with errors (share over 5m)',
        unit: 'percentunit',
        queries: [['job_instance:promkit_scrape_errors:ratio5m{$sel}', '{{instance}}']],
      },
      {
        title: 'Scrapes answered, by code',
        unit: 'reqps',
        queries: [
          [
            'sum by (instance, code) (rate(promhttp_metric_handler_requests_total{$sel}[5m]))',
            '{{instance}} {{code}}',
          ],
        ],
      },
      {
        title: 'Exporter memory (RSS)',
        unit: 'bytes',
        queries: [['process_resident_memory_bytes{$sel}', '{{instance}} RSS']],
      },
      {
        title: 'Exporter CPU',
        unit: 'percentunit',
        queries: [['rate(process_cpu_seconds_total{$sel}[5m])', '{{instance}}']],
      },
    ],
  },
  system: {
    title: 'System exporter',
    uid: 'promkit-system',
    description:
      "A host as the system exporter (node_exporter's names) sees it: CPU, load, memory and its pressure, " +
      'filesystems, disks and network. Needs ./rules.yml.',
    targets: 'node_exporter_build_info',
    panels: [
      {
        title: 'CPU busy',
        unit: 'percentunit',
        queries: [['instance:node_cpu_utilisation:rate5m{$sel}', '{{instance}}']],
      },
      {
        title: 'Load (1m) per CPU',
        unit: 'short',
        queries: [['instance:node_load1_per_cpu:ratio{$sel}', '{{instance}}']],
      },
      {
        title: 'Memory used',
        unit: 'percentunit',
        queries: [['instance:node_memory_utilisation:ratio{$sel}', '{{instance}}']],
      },
      {
        title: 'Time stalled on memory',
        unit: 'percentunit',
        queries: [['rate(node_pressure_memory_stalled_seconds_total{$sel}[5m])', '{{instance}}']],
      },
      {
        title: 'Filesystem space available',
        unit: 'percentunit',
        queries: [['instance_mountpoint:node_filesystem_avail:ratio{$sel}', '{{instance}} {{mountpoint}}']],
      },
      {
        title: 'Disk reads and writes',
        unit: 'Bps',
        queries: [
          ['rate(node_disk_read_bytes_total{$sel}[5m])', '{{instance}} {{device}} read'],
          ['rate(node_disk_written_bytes_total{$sel}[5m])', '{{instance}} {{device}} written'],
        ],
      },
      {
        title: 'Network received and sent',
        unit: 'Bps',
        queries: [
          ['rate(node_network_receive_bytes_total{$sel, device!="lo"}[5m])', '{{instance}} {{device}} received'],
          ['rate(node_network_transmit_bytes_total{$sel, device!="lo"}[5m])', '{{instance}} {{device}} sent'],
        ],
      },
      {
        title: 'Open file descriptors',
        unit: 'short',
        queries: [
          ['node_filefd_allocated{$sel}', '{{instance}} allocated'],
          ['node_filefd_maximum{$sel}', '{{instance}} maximum'],
        ],
      },
    ],
  },
  redis: {
    title: 'Redis exporter',
    uid: 'promkit-redis',
    description:
      "Redis as the redis exporter (redis_exporter's names) sees it: up, commands, hit ratio, memory against " +
      'maxmemory, clients against maxclients, rejected connections, keys and traffic. Needs ./rules.yml.',
    targets: 'redis_up',
    panels: [
      { title: 'Redis up', unit: 'short', queries: [['redis_up{$sel}', '{{instance}}']] },
      {
        title: 'Commands processed',
        unit: 'ops',
        queries: [['instance:redis_commands_processed:rate5m{$sel}', '{{instance}}']],
      },
      {
        title: 'Keyspace hit ratio',
        unit: 'percentunit',
        queries: [['instance:redis_keyspace_hits:ratio_rate5m{$sel}', '{{instance}}']],
      },
      {
        title: 'Memory used and maxmemory',
        unit: 'bytes',
        queries: [
          ['redis_memory_used_bytes{$sel}', '{{instance}} used'],
          ['redis_memory_max_bytes{$sel} > 0', '{{instance}} maxmemory'],
        ],
      },
      {
        title: 'Clients and maxclients',
        unit: 'short',
        queries: [
          ['redis_connected_clients{$sel}', '{{instance}} connected'],
          ['redis_config_maxclients{$sel}', '{{instance}} maxclients'],
        ],
      },
      {
        title: 'Connections rejected',
        unit: 'short',
        queries: [['increase(redis_rejected_connections_total{$sel}[5m])', '{{instance}}']],
      },
      {
        title: 'Keys expired and evicted',
        unit: 'ops',
        queries: [
          ['rate(redis_expired_keys_total{$sel}[5m])', '{{instance}} expired'],
          ['rate(redis_evicted_keys_total{$sel}[5m])', '{{instance}} evicted'],
        ],
      },
      {
        title: 'Network received and sent',
        unit: 'Bps',
        queries: [
          ['rate(redis_net_input_bytes_total{$sel}[5m])', '{{instance}} received'],
          ['rate(redis_net_output_bytes_total{$sel}[5m])', '{{instance}} sent'],
        ],
      },
    ],
  },
  kafka: {
    title: 'Kafka exporter',
    uid: 'promkit-kafka',
    description:
      "A Kafka cluster as the kafka exporter (kafka_exporter's names) sees it: brokers, partitions, replication, " +
      'leaders, and consumer groups with their lag. Needs ./rules.yml.',
    targets: 'kafka_brokers',
    panels: [
      { title: 'Brokers', unit: 'short', queries: [['kafka_brokers{$sel}', '{{instance}}']] },
      { title: 'Partitions by topic', unit: 'short', queries: [['kafka_topic_partitions{$sel}', '{{topic}}']] },
      {
        title: 'Under-replicated partitions by topic',
        unit: 'short',
        queries: [['sum by (topic) (kafka_topic_partition_under_replicated_partition{$sel})', '{{topic}}']],
      },
      {
        title: 'Partitions without a leader by topic',
        unit: 'short',
        queries: [['sum by (topic) (kafka_topic_partition_leader{$sel} == bool -1)', '{{topic}}']],
      },
      {
        title: 'Messages written by topic',
        unit: 'short',
        queries: [['topic:kafka_topic_partition_current_offset:rate5m{job=~"$job"}', '{{topic}}']],
      },
      {
        title: 'Consumer group lag (messages)',
        unit: 'short',
        queries: [['sum by (consumergroup, topic) (kafka_consumergroup_lag{$sel})', '{{consumergroup}} {{topic}}']],
      },
      {
        title: 'Consumer group lag (seconds of writes)',
        unit: 's',
        queries: [
          ['consumergroup_topic:kafka_consumergroup_lag_seconds:estimate{job=~"$job"}', '{{consumergroup}} {{topic}}'],
        ],
      },
      {
        title: 'Consumer group members',
        unit: 'short',
        queries: [['kafka_consumergroup_members{$sel}', '{{consumergroup}}']],
      },
    ],
  },
  probe: {
    title: 'Probe exporter',
    uid: 'promkit-probe',
    description:
      "Probes as the probe exporter (blackbox_exporter's names) reports them, one instance per target: success, " +
      'availability, duration and its phases, status codes, TLS and certificate expiry. Needs ./rules.yml.',
    targets: 'probe_success',
    panels: [
      { title: 'Probe success', unit: 'short', queries: [['probe_success{$sel}', '{{instance}}']] },
      {
        title: 'Availability (over 1h)',
        unit: 'percentunit',
        queries: [['instance:probe_success:avg_over_time1h{$sel}', '{{instance}}']],
      },
      { title: 'Probe duration', unit: 's', queries: [['probe_duration_seconds{$sel}', '{{instance}}']] },
      {
        title: 'HTTP phases',
        unit: 's',
        queries: [['probe_http_duration_seconds{$sel}', '{{instance}} {{phase}}']],
      },
      { title: 'HTTP status code', unit: 'short', queries: [['probe_http_status_code{$sel}', '{{instance}}']] },
      {
        title: 'Certificate expiry',
        unit: 'd',
        queries: [['instance:probe_ssl_earliest_cert_expiry:days_left{$sel}', '{{instance}}']],
      },
      {
        title: 'TLS version',
        unit: 'short',
        queries: [['probe_tls_version_info{$sel}', '{{instance}} {{version}}']],
      },
      {
        title: 'DNS lookup',
        unit: 's',
        queries: [['probe_dns_lookup_time_seconds{$sel}', '{{instance}}']],
      },
    ],
  },
  kubelet: {
    title: 'Kubelet exporter',
    uid: 'promkit-kubelet',
    description:
      "A node's pods and containers as the kubelet exporter reads them from the kubelet's summary: reads, CPU, " +
      'memory against limits, volumes and network, the busiest ten of each. Needs ./rules.yml.',
    targets: 'kubelet_stats_up',
    panels: [
      { title: 'Summary read', unit: 'short', queries: [['kubelet_stats_up{$sel}', '{{instance}}']] },
      {
        title: 'Node CPU and memory',
        unit: 'short',
        queries: [
          ['rate(node_cpu_usage_seconds_total{$sel}[5m])', '{{instance}} CPU cores'],
          ['node_memory_working_set_bytes{$sel} / 2^30', '{{instance}} memory GiB'],
        ],
      },
      {
        title: 'Pod CPU (top 10)',
        unit: 'short',
        queries: [['topk(10, namespace_pod:pod_cpu_usage_seconds:rate5m{$sel})', '{{namespace}}/{{pod}}']],
      },
      {
        title: 'Pod memory working set (top 10)',
        unit: 'bytes',
        queries: [['topk(10, pod_memory_working_set_bytes{$sel})', '{{namespace}}/{{pod}}']],
      },
      {
        title: 'Container memory against its limit (top 10)',
        unit: 'percentunit',
        queries: [
          [
            'topk(10, namespace_pod_container:container_memory_limit_used:ratio{$sel})',
            '{{namespace}}/{{pod}} {{container}}',
          ],
        ],
      },
      {
        title: 'Volume space used (top 10)',
        unit: 'percentunit',
        queries: [
          [
            'topk(10, 1 - kubelet_volume_stats_available_bytes{$sel} / kubelet_volume_stats_capacity_bytes{$sel})',
            '{{namespace}} {{persistentvolumeclaim}}',
          ],
        ],
      },
      {
        title: 'Pod network received (top 10)',
        unit: 'Bps',
        queries: [
          ['topk(10, rate(kubelet_stats_pod_network_receive_bytes_total{$sel}[5m]))', '{{namespace}}/{{pod}}'],
        ],
      },
      {
        title: 'Pod network sent (top 10)',
        unit: 'Bps',
        queries: [
          ['topk(10, rate(kubelet_stats_pod_network_transmit_bytes_total{$sel}[5m]))', '{{namespace}}/{{pod}}'],
        ],
      },
    ],
  },
  vsphere: {
    title: 'vSphere exporter',
    uid: 'promkit-vsphere',
    description:
      "A vCenter as the vSphere exporter (vmware_exporter's names) sees it: datastores filling, hosts' state, " +
      'CPU and memory, and the VMs. Needs ./rules.yml.',
    targets: 'vsphere_exporter_build_info',
    panels: [
      {
        title: 'Datastore space used',
        unit: 'percentunit',
        queries: [['datastore:vmware_datastore_used:ratio{$sel}', '{{dc_name}} {{ds_name}}']],
      },
      {
        title: 'Datastore free space',
        unit: 'bytes',
        queries: [['vmware_datastore_freespace_size{$sel}', '{{dc_name}} {{ds_name}}']],
      },
      {
        title: 'Hosts by connection state',
        unit: 'short',
        queries: [['sum by (state) (vmware_host_connection_state{$sel})', '{{state}}']],
      },
      {
        title: 'Hosts in maintenance',
        unit: 'short',
        queries: [['sum by (dc_name) (vmware_host_maintenance_mode{$sel})', '{{dc_name}}']],
      },
      {
        title: 'Host CPU used',
        unit: 'percentunit',
        queries: [['vmware_host_cpu_usage{$sel} / vmware_host_cpu_max{$sel}', '{{host_name}}']],
      },
      {
        title: 'Host memory used',
        unit: 'percentunit',
        queries: [['host:vmware_host_memory_used:ratio{$sel}', '{{host_name}}']],
      },
      {
        title: 'VMs powered on',
        unit: 'short',
        queries: [['sum by (dc_name) (vmware_vm_power_state{$sel})', '{{dc_name}}']],
      },
      {
        title: 'VM CPU used (top 10)',
        unit: 'percentunit',
        queries: [['topk(10, vmware_vm_cpu_usage_average{$sel} / 10000)', '{{vm_name}}']],
      },
    ],
  },
}

/** A dashboard as written to its folder: two-space indented JSON and a final newline. */
export function dashboardFile(spec: DashboardSpec): string {
  return `${JSON.stringify(dashboard(spec), null, 2)}\n`
}
