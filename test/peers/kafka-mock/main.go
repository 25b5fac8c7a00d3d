// A Kafka-wire peer for the Kafka exporter's tests: sarama's MockBroker (Debian's
// golang-github-shopify-sarama-dev, built offline) answering with the cluster a JSON spec describes.
//
//	kafka-mock '<spec>'     prints "ready 127.0.0.1:<port>" once it listens
//	kafka-mock @spec.json   the same, the spec read from a file (a large cluster's spec is too long for argv)
//
// spec: {"topics": {"orders": {"oldest": [0,0,0], "newest": [10,10,10]}},
//        "groups": {"billing": {"members": 0, "offsets": {"orders": [4,10,7]}}},
//        "port": 0, "cert": "server.crt", "key": "server.key", "sasl": "accept"}
//
// port: 0 for any; cert and key: serve TLS; sasl: "accept" or "refuse" SASL PLAIN and SCRAM (the
// mock cannot check credentials: sarama's MockResponse has an unexported method, so it accepts or
// refuses whatever it is sent).
//
// It advertises only the API versions it encodes, which kafkajs then uses: Metadata 5, ListOffsets 1,
// OffsetFetch 1, FindCoordinator, DescribeGroups and ListGroups 0.
package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/Shopify/sarama"
)

type topic struct {
	Oldest []int64 `json:"oldest"`
	Newest []int64 `json:"newest"`
}

type group struct {
	Members int                `json:"members"`
	Offsets map[string][]int64 `json:"offsets"`
}

type spec struct {
	Topics map[string]topic `json:"topics"`
	Groups map[string]group `json:"groups"`
	Port   int              `json:"port"`
	Cert   string           `json:"cert"`
	Key    string           `json:"key"`
	Sasl   string           `json:"sasl"`
}

// reporter prints what the mock finds wrong with a request; the tests see it on stderr.
type reporter struct{}

func (reporter) Error(args ...interface{})                 { fmt.Fprintln(os.Stderr, args...) }
func (reporter) Errorf(format string, args ...interface{}) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (reporter) Fatal(args ...interface{})                 { fmt.Fprintln(os.Stderr, args...); os.Exit(1) }
func (reporter) Fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	var s spec
	text := []byte(os.Args[1])
	if strings.HasPrefix(os.Args[1], "@") {
		var err error
		if text, err = os.ReadFile(os.Args[1][1:]); err != nil {
			reporter{}.Fatalf("spec: %v", err)
		}
	}
	if err := json.Unmarshal(text, &s); err != nil {
		reporter{}.Fatalf("spec: %v", err)
	}
	var listener net.Listener
	var err error
	if s.Cert != "" {
		cert, certErr := tls.LoadX509KeyPair(s.Cert, s.Key)
		if certErr != nil {
			reporter{}.Fatalf("certificate: %v", certErr)
		}
		listener, err = tls.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), &tls.Config{Certificates: []tls.Certificate{cert}})
	} else {
		listener, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	}
	if err != nil {
		reporter{}.Fatalf("listen: %v", err)
	}
	t := reporter{}
	broker := sarama.NewMockBrokerListener(t, 0, listener)
	metadata := sarama.NewMockMetadataResponse(t).SetBroker(broker.Addr(), 0).SetController(0)
	offsets := sarama.NewMockOffsetResponse(t).SetVersion(1)
	for name, tp := range s.Topics {
		for partition := range tp.Newest {
			metadata.SetLeader(name, int32(partition), 0)
			offsets.SetOffset(name, int32(partition), sarama.OffsetNewest, tp.Newest[partition])
			offsets.SetOffset(name, int32(partition), sarama.OffsetOldest, tp.Oldest[partition])
		}
	}
	list := sarama.NewMockListGroupsResponse(t)
	describe := sarama.NewMockDescribeGroupsResponse(t)
	fetch := sarama.NewMockOffsetFetchResponse(t)
	coordinator := sarama.NewMockFindCoordinatorResponse(t)
	for name, g := range s.Groups {
		list.AddGroup(name, "consumer")
		members := map[string]*sarama.GroupMemberDescription{}
		for i := 0; i < g.Members; i++ {
			members[fmt.Sprintf("member-%d", i)] = &sarama.GroupMemberDescription{ClientId: fmt.Sprintf("client-%d", i), ClientHost: "/127.0.0.1"}
		}
		state := "Empty"
		if g.Members > 0 {
			state = "Stable"
		}
		describe.AddGroupDescription(name, &sarama.GroupDescription{GroupId: name, State: state, ProtocolType: "consumer", Protocol: "range", Members: members})
		coordinator.SetCoordinator(sarama.CoordinatorGroup, name, broker)
		for topicName, committed := range g.Offsets {
			for partition, offset := range committed {
				fetch.SetOffset(name, topicName, int32(partition), offset, "", sarama.ErrNoError)
			}
		}
	}
	versions := &sarama.ApiVersionsResponse{ApiVersions: []*sarama.ApiVersionsResponseBlock{
		{ApiKey: 3, MinVersion: 0, MaxVersion: 5},  // Metadata
		{ApiKey: 2, MinVersion: 0, MaxVersion: 1},  // ListOffsets
		{ApiKey: 9, MinVersion: 0, MaxVersion: 1},  // OffsetFetch
		{ApiKey: 10, MinVersion: 0, MaxVersion: 0}, // FindCoordinator
		{ApiKey: 15, MinVersion: 0, MaxVersion: 0}, // DescribeGroups
		{ApiKey: 16, MinVersion: 0, MaxVersion: 0}, // ListGroups
		{ApiKey: 18, MinVersion: 0, MaxVersion: 0}, // ApiVersions
	}}
	handlers := map[string]sarama.MockResponse{
		"ApiVersionsRequest":     sarama.NewMockWrapper(versions),
		"MetadataRequest":        metadata,
		"OffsetRequest":          offsets,
		"ListGroupsRequest":      list,
		"DescribeGroupsRequest":  describe,
		"OffsetFetchRequest":     fetch,
		"FindCoordinatorRequest": coordinator,
	}
	if s.Sasl != "" {
		versions.ApiVersions = append(versions.ApiVersions,
			&sarama.ApiVersionsResponseBlock{ApiKey: 17, MinVersion: 0, MaxVersion: 1}, // SaslHandshake
			&sarama.ApiVersionsResponseBlock{ApiKey: 36, MinVersion: 0, MaxVersion: 0}) // SaslAuthenticate
		authenticate := sarama.NewMockSaslAuthenticateResponse(t)
		if s.Sasl == "refuse" {
			authenticate.SetError(sarama.ErrSASLAuthenticationFailed)
		}
		handlers["SaslHandshakeRequest"] = sarama.NewMockSaslHandshakeResponse(t).SetEnabledMechanisms([]string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
		handlers["SaslAuthenticateRequest"] = authenticate
	}
	broker.SetHandlerByMap(handlers)
	fmt.Printf("ready %s\n", broker.Addr())
	select {}
}
