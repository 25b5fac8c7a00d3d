// The client_golang peer of `npm run bench`, built offline from Debian's packages (bench/setup):
//
//	bench-peer encode <series> <runs>   median ms of Gather() + text encoding, as JSON
//	bench-peer dump <series>            one exposition, for the equality check
//	bench-peer serve <series> <port>    promhttp on 127.0.0.1:<port>/metrics
//
// The data set is the one of bench/dataset.ts: families of 100 gauge series, labels a, b, c.
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
	switch mode {
	case "dump":
		os.Stdout.Write(encode(r))
	case "encode":
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
