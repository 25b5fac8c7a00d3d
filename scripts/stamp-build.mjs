// Writes src/runtime/build-stamp.ts (not in git): the version from package.json and the git revision,
// branch and time of this build, for --version, the start-up log line and <ns>_exporter_build_info.
// Where there is no git checkout (an image build), PROMKIT_REVISION and PROMKIT_BRANCH give them,
// or they are "unknown".
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const root = new URL('..', import.meta.url)
const git = (...args) => {
  try {
    return (
      execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || undefined
    )
  } catch {
    return undefined
  }
}
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const stamp = {
  version,
  revision: process.env.PROMKIT_REVISION || git('rev-parse', 'HEAD') || 'unknown',
  branch: process.env.PROMKIT_BRANCH || git('rev-parse', '--abbrev-ref', 'HEAD') || 'unknown',
  date: new Date().toISOString(),
}
writeFileSync(
  new URL('src/runtime/build-stamp.ts', root),
  `// Written by scripts/stamp-build.mjs when the package is built; not in git.
/** The build this is: package version, git revision and branch, and when it was built. */
export const buildStamp: { readonly version: string; readonly revision: string; readonly branch: string; readonly date: string } = ${JSON.stringify(stamp)}
`,
)
