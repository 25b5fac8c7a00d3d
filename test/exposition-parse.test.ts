// parseText: the Prometheus text format read back, as Prometheus' own parser reads it, and refused line by line.
import { TextParseError, parseText } from 'promkit'
import t from 'tap'

t.test('families, HELP and TYPE, labels, values and timestamps', async (t) => {
  const families = parseText(
    [
      '# A comment, and a blank line below',
      '',
      '# HELP jobs_total Jobs done \\\\ so far,\\nper queue.',
      '# TYPE jobs_total counter',
      'jobs_total{queue="a b",\tpath="C:\\\\x",quote="say \\"hi\\"",line="1\\n2",} 3 1700000000000\r',
      'jobs_total{ queue = "c" } 4',
      '# HELP empty ',
      'empty 1',
      'plain{} -0',
      'special{v="nan"} NaN',
      'special{v="+inf"} +Inf',
      'special{v="-inf"} -Inf',
      'special{v="inf"} Inf',
      'special{v="infinity"} -infinity',
      'special{v="exp"} 1.5e3',
      'special{v="dot"} .5',
      '#HELP not_a_help_line because no space',
      '',
    ].join('\n'),
  )
  t.same(
    families.map(({ name, help, type }) => [name, help, type]),
    [
      ['jobs_total', 'Jobs done \\ so far,\nper queue.', 'counter'],
      ['empty', undefined, 'untyped'],
      ['plain', undefined, 'untyped'],
      ['special', undefined, 'untyped'],
    ],
  )
  t.same(families[0]?.metrics, [
    {
      labels: [
        ['queue', 'a b'],
        ['path', 'C:\\x'],
        ['quote', 'say "hi"'],
        ['line', '1\n2'],
      ],
      timestampMs: 1700000000000,
      value: 3,
    },
    { labels: [['queue', 'c']], value: 4 },
  ])
  t.same(
    families[3]?.metrics.map((metric) => metric.value),
    [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1500,
      0.5,
    ],
  )
  t.ok(Object.is(families[2]?.metrics[0]?.value, -0))
})

t.test(
  'histograms and summaries gather their lines; without TYPE, _sum and _count are families of their own',
  async (t) => {
    const families = parseText(
      [
        '# TYPE latency histogram',
        'latency_bucket{route="/",le="0.5"} 3',
        'latency_bucket{le="+Inf",route="/"} 5',
        'latency_sum{route="/"} 2.5',
        'latency_count{route="/"} 5',
        '# TYPE rpc summary',
        'rpc{quantile="0.9"} 0.2',
        'rpc_sum 10',
        'rpc_count 40',
        'rpc_bucket 1',
        'loose_sum 3',
      ].join('\n'),
    )
    t.same(
      families.map(({ name, type, metrics }) => [name, type, metrics]),
      [
        [
          'latency',
          'histogram',
          [
            {
              labels: [['route', '/']],
              buckets: [
                [0.5, 3],
                [Number.POSITIVE_INFINITY, 5],
              ],
              sum: 2.5,
              count: 5,
            },
          ],
        ],
        ['rpc', 'summary', [{ labels: [], quantiles: [[0.9, 0.2]], sum: 10, count: 40 }]],
        ['rpc_bucket', 'untyped', [{ labels: [], value: 1 }]],
        ['loose_sum', 'untyped', [{ labels: [], value: 3 }]],
      ],
    )
  },
)

t.test('what the format does not allow is refused with the line and the problem', async (t) => {
  const refusals: [string, string][] = [
    ['# HELP', 'line 1: HELP line without a valid metric name'],
    ['# TYPE 9lives counter', 'line 1: TYPE line without a valid metric name'],
    ['# HELP a x\n# HELP a y', 'line 2: second HELP line for a'],
    ['# TYPE a gauge\n# TYPE a gauge', 'line 2: second TYPE line for a'],
    ['a 1\n# TYPE a gauge', 'line 2: TYPE line for a after its samples'],
    ['# TYPE a meter', 'line 1: "meter" is not a metric type (counter, gauge, histogram, summary, untyped)'],
    ['# TYPE a', 'line 1: "" is not a metric type (counter, gauge, histogram, summary, untyped)'],
    ['{a="b"} 1', 'line 1: "{a=\\"b\\"} 1" does not start with a metric name'],
    ['a{9="x"} 1', 'line 1: a: expected a label name at column 3'],
    ['a{b:"x"} 1', 'line 1: a: expected "=" after label b'],
    ['a{b=x} 1', 'line 1: a: the value of label b is not quoted'],
    ['a{b="x} 1', 'line 1: a: the value of label b is not closed'],
    ['a{b="\\t"} 1', 'line 1: a: invalid escape \\t in the value of label b'],
    ['a{b="\\', 'line 1: a: invalid escape \\ in the value of label b'],
    ['a{b="1",b="2"} 1', 'line 1: a: label b given twice'],
    ['a{b="1";c="2"} 1', 'line 1: a: expected "," or "}" after label b'],
    ['a=1', 'line 1: a: expected labels or a value after the name'],
    ['a', 'line 1: a: expected labels or a value after the name'],
    ['a ', 'line 1: a: no value'],
    ['a one', 'line 1: a: "one" is not a number'],
    ['a 0x10', 'line 1: a: "0x10" is not a number'],
    ['a 1 1.5', 'line 1: a: "1.5" is not a timestamp in milliseconds'],
    ['a 1 2 3', 'line 1: a: "3" after the timestamp'],
    ['a{b="1"} 1\na{b="1"} 2', 'line 2: a: the same labels twice'],
    ['# TYPE h histogram\nh 1', "line 2: h: a histogram's own name"],
    ['# TYPE h histogram\nh_bucket 1', 'line 2: h_bucket: no numeric le label'],
    ['# TYPE h histogram\nh_bucket{le="x"} 1', 'line 2: h_bucket: no numeric le label'],
    ['# TYPE s summary\ns 1', 'line 2: s: no numeric quantile label'],
  ]
  for (const [text, message] of refusals) {
    t.throws(
      () => parseText(text),
      new TextParseError(Number(message.split(' ')[1]?.replace(':', '')), message.replace(/^line \d+: /, '')),
      text,
    )
  }
})
