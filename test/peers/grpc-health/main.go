// A gRPC server with the standard health service (grpc-go's health.NewServer), for the probe exporter's grpc prober
// tests: `grpc-health <port> [cert key]` serves on 127.0.0.1:<port>, over TLS when given a certificate and key.
// The overall health ("") and the service "shop" are SERVING, "billing" is NOT_SERVING; any other service is
// unknown (NOT_FOUND). "slow" answers after 3 s. It prints "ready" once it listens.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// slowHealth answers "slow" after 3 s and everything else as the standard server does.
type slowHealth struct {
	*health.Server
}

func (s slowHealth) Check(ctx context.Context, request *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if request.Service == "slow" {
		select {
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
	}
	return s.Server.Check(ctx, request)
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var options []grpc.ServerOption
	if len(os.Args) > 3 {
		creds, err := credentials.NewServerTLSFromFile(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		options = append(options, grpc.Creds(creds))
	}
	server := grpc.NewServer(options...)
	standard := health.NewServer()
	standard.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	standard.SetServingStatus("shop", healthpb.HealthCheckResponse_SERVING)
	standard.SetServingStatus("billing", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(server, slowHealth{standard})
	fmt.Println("ready")
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
