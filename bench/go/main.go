// The client_golang peer of `npm run bench`, built offline from Debian's packages (bench/setup):
//
//	bench-peer encode <series> <runs>              median ms of Gather() + text encoding, as JSON
//	bench-peer encode-histograms <series> <runs>   the same for const histograms
//	bench-peer dump <series>                       one exposition, for the equality check
//	bench-peer dump-histograms <series>            one exposition of the histograms
//	bench-peer serve <series> <port>               promhttp on 127.0.0.1:<port>/metrics
//
// The data sets are the ones of bench/dataset.ts: families of 100 gauge series, labels a, b, c; or families of 100
// histograms with 11 buckets, their counts read once (as an exporter reads them from its source) and a const
// histogram built from them per series per scrape.
// As a client_golang exporter is written: descriptors and label values built once, a const
// metric per series built by the Collector on every scrape, Gather() and expfmt into a buffer.
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

const seriesPerFamily = 100

type benchCollector struct {
	series int
	descs  []*prometheus.Desc
	labels [][3]string
	scrape int
}

func newCollector(series int) *benchCollector {
	families := (series + seriesPerFamily - 1) / seriesPerFamily
	c := &benchCollector{series: series, labels: make([][3]string, series)}
	for i := range c.labels {
		c.labels[i] = [3]string{fmt.Sprintf("host-%d", i%100), fmt.Sprintf("region-%d", (i/100)%7), fmt.Sprintf("shard-%d", i)}
	}
	for f := 0; f < families; f++ {
		c.descs = append(c.descs, prometheus.NewDesc(fmt.Sprintf("bench_family_%d", f), fmt.Sprintf("Benchmark family %d.", f), []string{"a", "b", "c"}, nil))
	}
	return c
}

func (c *benchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *benchCollector) Collect(ch chan<- prometheus.Metric) {
	c.scrape++
	for i := 0; i < c.series; i++ {
		l := c.labels[i]
		ch <- prometheus.MustNewConstMetric(c.descs[i/seriesPerFamily], prometheus.GaugeValue, float64(i+c.scrape), l[0], l[1], l[2])
	}
}

// cpuTimeMs is the process's user and system CPU time so far: the Go runtime's garbage collection
// runs on other threads, and counts.
func cpuTimeMs() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}

func registry(series int) *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(newCollector(series))
	return r
}

var histogramBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogramData struct {
	labels  [3]string
	count   uint64
	sum     float64
	buckets map[float64]uint64
}

type histogramCollector struct {
	descs []*prometheus.Desc
	data  []histogramData
}

// newHistogramCollector holds the data of bench/dataset.ts's histograms: bucket b of series i has (i%13)*(b+1)
// observations at or below it, each bucket's observations sit on its bound, and one more is above all buckets.
func newHistogramCollector(series int) *histogramCollector {
	families := (series + seriesPerFamily - 1) / seriesPerFamily
	c := &histogramCollector{data: make([]histogramData, series)}
	for f := 0; f < families; f++ {
		c.descs = append(c.descs, prometheus.NewDesc(fmt.Sprintf("bench_latency_%d_seconds", f), fmt.Sprintf("Benchmark histogram %d.", f), []string{"a", "b", "c"}, nil))
	}
	for i := range c.data {
		d := histogramData{labels: [3]string{fmt.Sprintf("host-%d", i%100), fmt.Sprintf("region-%d", (i/100)%7), fmt.Sprintf("shard-%d", i)}, buckets: map[float64]uint64{}}
		previous := uint64(0)
		for b, le := range histogramBuckets {
			cumulative := uint64((i % 13) * (b + 1))
			d.buckets[le] = cumulative
			d.sum += float64(cumulative-previous) * le
			previous = cumulative
		}
		d.count = previous + 1
		d.sum += 100
		c.data[i] = d
	}
	return c
}

func (c *histogramCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *histogramCollector) Collect(ch chan<- prometheus.Metric) {
	for i, d := range c.data {
		ch <- prometheus.MustNewConstHistogram(c.descs[i/seriesPerFamily], d.count, d.sum, d.buckets, d.labels[0], d.labels[1], d.labels[2])
	}
}

func encode(r *prometheus.Registry) []byte {
	families, err := r.Gather()
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.FmtText)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

func main() {
	mode := os.Args[1]
	series, _ := strconv.Atoi(os.Args[2])
	r := registry(series)
	if mode == "dump-histograms" || mode == "encode-histograms" {
		r = prometheus.NewRegistry()
		r.MustRegister(newHistogramCollector(series))
	}
	switch mode {
	case "dump", "dump-histograms":
		os.Stdout.Write(encode(r))
	case "encode", "encode-histograms":
		runs, _ := strconv.Atoi(os.Args[3])
		var times []float64
		var cpuMs float64
		for i := 0; i < runs+3; i++ {
			started := time.Now()
			cpuBefore := cpuTimeMs()
			encode(r)
			if i >= 3 {
				times = append(times, float64(time.Since(started).Microseconds())/1000)
				cpuMs += cpuTimeMs() - cpuBefore
			}
		}
		sort.Float64s(times)
		fmt.Printf("{\"medianMs\":%f,\"cpuMs\":%f}\n", times[len(times)/2], cpuMs/float64(runs))
	case "serve":
		http.Handle("/metrics", promhttp.HandlerFor(r, promhttp.HandlerOpts{}))
		fmt.Println("ready")
		if err := http.ListenAndServe("127.0.0.1:"+os.Args[3], nil); err != nil {
			panic(err)
		}
	}
}
