// The client_golang side of test/protobuf-client-golang.test.ts, built offline from Debian's client_golang 1.14: it
// encodes a fixed set of families (every metric type, exemplars, timestamps, a native histogram) as the protobuf
// exposition on stdout, for the test to decode next to promkit's encoding of the same data.
package main

import (
	"math"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// The observations of the native histogram, the same in the test.
var observations = []float64{0, 1e-300, 0.0001, 0.3, 1, 1.5, 2, 3, 7, 100, 1e6, -0.5, -2, -2, math.Inf(1)}

func main() {
	registry := prometheus.NewPedanticRegistry()
	room := prometheus.NewDesc("demo_temperature_celsius", "Room temperature.", []string{"room"}, prometheus.Labels{"site": "lab"})
	requests := prometheus.NewDesc("demo_requests_total", "Requests served.", []string{"code"}, nil)
	other := prometheus.NewDesc("demo_other", "An untyped value.", nil, nil)
	latency := prometheus.NewDesc("demo_latency_seconds", "Request latency.", []string{"path"}, nil)
	size := prometheus.NewDesc("demo_size_bytes", "Response sizes.", nil, nil)
	at := time.UnixMilli(1700000000123)
	metrics := []prometheus.Metric{
		prometheus.MustNewConstMetric(room, prometheus.GaugeValue, 21.5, "kitchen \"main\" \\ back\nline"),
		prometheus.NewMetricWithTimestamp(at, prometheus.MustNewConstMetric(room, prometheus.GaugeValue, -3.25, "garage")),
		prometheus.MustNewMetricWithExemplars(
			prometheus.MustNewConstMetric(requests, prometheus.CounterValue, 1027, "200"),
			prometheus.Exemplar{Value: 0.67, Labels: prometheus.Labels{"trace_id": "abc123"}, Timestamp: at},
		),
		prometheus.MustNewConstMetric(requests, prometheus.CounterValue, 3, "500"),
		prometheus.MustNewConstMetric(other, prometheus.UntypedValue, math.NaN()),
		prometheus.MustNewMetricWithExemplars(
			prometheus.MustNewConstHistogram(latency, 10, 4.5, map[float64]uint64{0.1: 2, 0.5: 6, 1: 9}, "/"),
			prometheus.Exemplar{Value: 0.3, Labels: prometheus.Labels{"trace_id": "def"}, Timestamp: at},
			prometheus.Exemplar{Value: 7, Labels: prometheus.Labels{"trace_id": "slow"}, Timestamp: at},
		),
		prometheus.MustNewConstSummary(size, 5, 100.5, map[float64]float64{0.5: 10, 0.9: 30}),
	}
	registry.MustRegister(collector{descs: []*prometheus.Desc{room, requests, other, latency, size}, metrics: metrics})
	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                        "demo_native_seconds",
		Help:                        "A native histogram with classic buckets alongside.",
		Buckets:                     []float64{1, 2, 4},
		NativeHistogramBucketFactor: 1.1,
	})
	for _, value := range observations {
		native.Observe(value)
	}
	registry.MustRegister(native)
	families, err := registry.Gather()
	if err != nil {
		panic(err)
	}
	encoder := expfmt.NewEncoder(os.Stdout, expfmt.FmtProtoDelim)
	for _, family := range families {
		if err := encoder.Encode(family); err != nil {
			panic(err)
		}
	}
}

type collector struct {
	descs   []*prometheus.Desc
	metrics []prometheus.Metric
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range c.descs {
		ch <- desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, metric := range c.metrics {
		ch <- metric
	}
}
