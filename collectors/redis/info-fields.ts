// Which plain INFO fields become metrics, under which names and types: the
// table of redis_exporter 1.45, read off its output for Redis 7.0, so its
// dashboards and alerts work unchanged. Fields not listed here are not exported.

/** How one INFO field is exported. */
export interface InfoMetric {
  /** The metric name without the namespace. */
  readonly metric: string
  readonly type: 'gauge' | 'counter'
  /** The INFO value is multiplied by this (microseconds to seconds: 1e-6). */
  readonly scale: number
}

/** Exported under the field's own name, as a gauge. */
const sameNameGauges = [
  'active_defrag_running',
  'allocator_frag_bytes',
  'allocator_frag_ratio',
  'allocator_rss_bytes',
  'allocator_rss_ratio',
  'aof_buffer_length',
  'aof_delayed_fsync',
  'aof_enabled',
  'aof_last_bgrewrite_status',
  'aof_last_write_status',
  'aof_pending_bio_fsync',
  'aof_pending_rewrite',
  'aof_rewrite_buffer_length',
  'aof_rewrite_in_progress',
  'aof_rewrite_scheduled',
  'blocked_clients',
  'client_biggest_input_buf',
  'client_longest_output_list',
  'clients_in_timeout_table',
  'cluster_connections',
  'cluster_enabled',
  'connected_clients',
  'connected_slaves',
  'io_threads_active',
  'lazyfree_pending_objects',
  'master_repl_offset',
  'mem_clients_normal',
  'mem_clients_slaves',
  'mem_fragmentation_bytes',
  'mem_fragmentation_ratio',
  'module_fork_in_progress',
  'module_fork_last_cow_size',
  'number_of_cached_scripts',
  'process_id',
  'pubsub_channels',
  'pubsub_patterns',
  'rdb_bgsave_in_progress',
  'rdb_changes_since_last_save',
  'rdb_last_bgsave_status',
  'repl_backlog_first_byte_offset',
  'second_repl_offset',
  'slave_expires_tracked_keys',
  'slave_priority',
  'tracking_clients',
  'tracking_total_items',
  'tracking_total_keys',
  'tracking_total_prefixes',
  'uptime_in_seconds',
]

/** Exported under the field's own name, as a counter. */
const sameNameCounters = [
  'dump_payload_sanitizations',
  'io_threaded_reads_processed',
  'io_threaded_writes_processed',
  'total_error_replies',
  'total_reads_processed',
  'total_writes_processed',
  'unexpected_error_replies',
]

/** INFO field → metric name, as a gauge. */
const renamedGauges: Record<string, string> = {
  active_defrag_hits: 'defrag_hits',
  active_defrag_key_hits: 'defrag_key_hits',
  active_defrag_key_misses: 'defrag_key_misses',
  active_defrag_misses: 'defrag_misses',
  allocator_active: 'allocator_active_bytes',
  allocator_allocated: 'allocator_allocated_bytes',
  allocator_resident: 'allocator_resident_bytes',
  aof_base_size: 'aof_base_size_bytes',
  aof_current_rewrite_time_sec: 'aof_current_rewrite_duration_sec',
  aof_current_size: 'aof_current_size_bytes',
  aof_last_cow_size: 'aof_last_cow_size_bytes',
  aof_last_rewrite_time_sec: 'aof_last_rewrite_duration_sec',
  client_recent_max_input_buffer: 'client_recent_max_input_buffer_bytes',
  client_recent_max_output_buffer: 'client_recent_max_output_buffer_bytes',
  expired_stale_perc: 'expired_stale_percentage',
  expired_time_cap_reached_count: 'expired_time_cap_reached_total',
  loading: 'loading_dump_file',
  maxmemory: 'memory_max_bytes',
  mem_not_counted_for_evict: 'mem_not_counted_for_eviction_bytes',
  migrate_cached_sockets: 'migrate_cached_sockets_total',
  rdb_current_bgsave_time_sec: 'rdb_current_bgsave_duration_sec',
  rdb_last_bgsave_time_sec: 'rdb_last_bgsave_duration_sec',
  rdb_last_cow_size: 'rdb_last_cow_size_bytes',
  rdb_last_save_time: 'rdb_last_save_timestamp_seconds',
  repl_backlog_active: 'repl_backlog_is_active',
  repl_backlog_histlen: 'repl_backlog_history_bytes',
  repl_backlog_size: 'replication_backlog_bytes',
  sync_full: 'replica_resyncs_full',
  sync_partial_err: 'replica_partial_resync_denied',
  sync_partial_ok: 'replica_partial_resync_accepted',
  used_memory: 'memory_used_bytes',
  used_memory_dataset: 'memory_used_dataset_bytes',
  used_memory_lua: 'memory_used_lua_bytes',
  used_memory_overhead: 'memory_used_overhead_bytes',
  used_memory_peak: 'memory_used_peak_bytes',
  used_memory_rss: 'memory_used_rss_bytes',
  used_memory_scripts: 'memory_used_scripts_bytes',
  used_memory_startup: 'memory_used_startup_bytes',
}

/** INFO field → metric name, as a counter. */
const renamedCounters: Record<string, string> = {
  evicted_keys: 'evicted_keys_total',
  expired_keys: 'expired_keys_total',
  keyspace_hits: 'keyspace_hits_total',
  keyspace_misses: 'keyspace_misses_total',
  rejected_connections: 'rejected_connections_total',
  total_commands_processed: 'commands_processed_total',
  total_connections_received: 'connections_received_total',
  total_net_input_bytes: 'net_input_bytes_total',
  total_net_output_bytes: 'net_output_bytes_total',
  used_cpu_sys: 'cpu_sys_seconds_total',
  used_cpu_sys_children: 'cpu_sys_children_seconds_total',
  used_cpu_sys_main_thread: 'cpu_sys_main_thread_seconds_total',
  used_cpu_user: 'cpu_user_seconds_total',
  used_cpu_user_children: 'cpu_user_children_seconds_total',
  used_cpu_user_main_thread: 'cpu_user_main_thread_seconds_total',
}

/** The INFO fields exported as metrics; `total_system_memory` only with `--include-system-metrics`. */
export function infoFieldTable(includeSystemMetrics: boolean): ReadonlyMap<string, InfoMetric> {
  const table = new Map<string, InfoMetric>()
  for (const field of sameNameGauges) table.set(field, { metric: field, type: 'gauge', scale: 1 })
  for (const field of sameNameCounters) table.set(field, { metric: field, type: 'counter', scale: 1 })
  for (const [field, metric] of Object.entries(renamedGauges)) table.set(field, { metric, type: 'gauge', scale: 1 })
  for (const [field, metric] of Object.entries(renamedCounters)) table.set(field, { metric, type: 'counter', scale: 1 })
  table.set('latest_fork_usec', { metric: 'latest_fork_seconds', type: 'gauge', scale: 1e-6 })
  if (includeSystemMetrics)
    table.set('total_system_memory', { metric: 'total_system_memory_bytes', type: 'gauge', scale: 1 })
  return table
}
