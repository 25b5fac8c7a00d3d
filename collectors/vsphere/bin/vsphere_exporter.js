#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=8
// The vsphere_exporter command. npm links it when it installs the package, before the build that writes dist/; it runs the build.
// One malloc arena instead of one per thread, and V8's young generation at 2 x 8 MiB instead of 2 x 16: together about
// 30 MiB less RSS at 2,000 VMs, no slower (README).
import '../dist/main.js'
