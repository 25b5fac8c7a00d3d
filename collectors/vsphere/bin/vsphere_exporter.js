#!/usr/bin/env node
// The vsphere_exporter command. npm links it when it installs the package, before the build that writes dist/; it runs the build.
import '../dist/main.js'
