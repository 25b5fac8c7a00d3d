import fc from 'fast-check'
import t from 'tap'
import { AllowedTargets, redactTarget } from '../src/runtime/allowed-targets.js'

// Property tests for every parser that reads what a stranger sends or an operator types:
// each either answers or refuses with a clear error, never hangs, never leaks a secret.

const runs = { numRuns: 500 }
/** A DNS label or address octet: what a `*` may stand for. */
const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/)

t.test('redaction: for any userinfo, the shown target never contains the password', async (t) => {
  const user = fc.string({ unit: 'binary', maxLength: 12 }).filter((text) => !text.includes('SECRET'))
  const password = fc.string({ unit: 'binary', maxLength: 12 })
  const scheme = fc.constantFrom('redis://', 'rediss://', 'http://', '')
  fc.assert(
    fc.property(scheme, user, password, label, (prefix, name, secret, host) => {
      const shown = redactTarget(`${prefix}${name}:SECRET${secret}@${host}:6379`)
      return !shown.includes('SECRET') && shown.endsWith(`***@${host}:6379`)
    }),
    runs,
  )
  t.pass('500 generated userinfos: no password shown, host and port kept')
  const junk = fc.string({ unit: 'binary', maxLength: 16 }).filter((text) => !text.includes('SECRET'))
  const tail = fc.string({ unit: 'binary', maxLength: 16 }).filter((text) => !text.includes('@'))
  fc.assert(
    fc.property(scheme, junk, fc.string({ unit: 'binary', maxLength: 16 }), tail, (prefix, before, secret, after) => {
      const shown = redactTarget(`${prefix}${before}:SECRET${secret}@${after}`)
      return !shown.includes('SECRET') && shown.endsWith(`@${after}`)
    }),
    runs,
  )
  t.pass('500 malformed targets (/, ?, # and @ anywhere before the secret): the secret is hidden, what follows the last @ is kept')
})

t.test('allow-list: a * stands for one label, never for a dot', async (t) => {
  fc.assert(
    fc.property(fc.array(label, { minLength: 2, maxLength: 5 }), fc.nat(), label, fc.array(label, { minLength: 1, maxLength: 3 }), (labels, position, other, extra) => {
      const star = position % labels.length
      const allowed = new AllowedTargets([labels.map((part, i) => (i === star ? '*' : part)).join('.')])
      const inside = labels.map((part, i) => (i === star ? other : part)).join('.')
      const longer = [...labels.slice(0, star), [other, ...extra].join('.'), ...labels.slice(star + 1)].join('.')
      let refusedLonger = false
      try {
        allowed.check(`${longer}:1`)
      } catch {
        refusedLonger = true
      }
      return allowed.check(`${inside}:1`).host === inside && refusedLonger
    }),
    runs,
  )
  t.pass('500 patterns: the label a * stands for is admitted, more labels in its place are not')
})
