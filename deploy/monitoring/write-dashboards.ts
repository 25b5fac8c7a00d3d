// Writes each folder's dashboard.json from deploy/monitoring/dashboards.ts: `npm run dashboards`.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dashboardFile, dashboards } from './dashboards.js'

const monitoring = new URL('../../../deploy/monitoring', import.meta.url).pathname
for (const [folder, spec] of Object.entries(dashboards)) {
  writeFileSync(join(monitoring, folder, 'dashboard.json'), dashboardFile(spec))
}
