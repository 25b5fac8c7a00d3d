// vcsim for promkit's tests: govmomi's vCenter simulator (Debian's golang-github-vmware-govmomi-dev ships the
// simulator package but no binary), with the knobs the vSphere exporter's tests need: inventory size, TLS with a
// given certificate, idle-session expiry and a slow method.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "listen address")
	username := flag.String("username", "user", "login username")
	password := flag.String("password", "pass", "login password")
	useTLS := flag.Bool("tls", false, "serve HTTPS (a self-signed certificate unless -cert and -key are given)")
	certFile := flag.String("cert", "", "server certificate (PEM) for -tls")
	keyFile := flag.String("key", "", "server key (PEM) for -tls")
	datacenters := flag.Int("dc", 1, "datacenters")
	hosts := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	clusters := flag.Int("cluster", 1, "clusters per datacenter")
	clusterHosts := flag.Int("host", 3, "hosts per cluster")
	vms := flag.Int("vm", 2, "VMs per host and per cluster resource pool")
	datastores := flag.Int("ds", 1, "datastores")
	idle := flag.Duration("idle-timeout", 0, "expire sessions idle this long (0: never)")
	slowMethod := flag.String("slow-method", "", "a SOAP method to delay, e.g. QueryPerf")
	slowMs := flag.Int("slow-ms", 0, "how long to delay -slow-method, in ms")
	flag.Parse()

	simulator.SessionIdleTimeout = *idle
	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Host = *hosts
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Machine = *vms
	model.Datastore = *datastores
	if *slowMethod != "" {
		model.DelayConfig.MethodDelay = map[string]int{*slowMethod: *slowMs}
	}
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
		if *certFile != "" {
			pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
			if err != nil {
				log.Fatal(err)
			}
			model.Service.TLS.Certificates = []tls.Certificate{pair}
		}
	}
	server := model.Service.NewServer()
	fmt.Printf("ready %s\n", server.URL.Host)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	server.Close()
	model.Remove()
}
