import { arch, platform } from 'node:process'
import { buildStamp } from './build-stamp.js'
import type { ExporterDefinition } from './definition.js'

/** What an exporter says of its build: in `--version`, the start-up log line and `<ns>_exporter_build_info`. */
export interface BuildInfo {
  readonly version: string
  readonly revision: string
  readonly branch: string
  /** When the package was built, ISO 8601. */
  readonly date: string
}

/** The definition's version and revision where it gives them, else this package's build (`npm run build` stamps it). */
export function buildInfo(definition: ExporterDefinition): BuildInfo {
  return {
    ...buildStamp,
    version: definition.version ?? buildStamp.version,
    revision: definition.revision ?? buildStamp.revision,
  }
}

/** `linux/x64`: what `--version` and the start-up line call the platform, as Go's `GOOS/GOARCH`. */
export const runtimePlatform = `${platform}/${arch}`

/** `--version` as Go exporters print it (prometheus/common's version.Print), with Node's version in place of Go's. */
export function versionText(name: string, build: BuildInfo): string {
  return [
    `${name}, version ${build.version} (branch: ${build.branch}, revision: ${build.revision})`,
    `  build date:       ${build.date}`,
    `  node version:     ${process.version}`,
    `  platform:         ${runtimePlatform}`,
  ].join('\n')
}
