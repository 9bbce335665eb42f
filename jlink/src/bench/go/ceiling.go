// The Go ceiling for scripts/bench: a bare responder written against the broker's own client
// library, so that what it reaches is what the broker and the Go client can carry, with no JVM
// in the way. It answers like dev.kiamms.bench.CeilingResponder: the request's reqid echoed,
// code 0, a fixed iplocation-sized payload, no JSON decoding.
//
// Usage: ceiling URL USER PASSWORD SUBJECT QUEUE. Prints "ready" once subscribed; exits when its
// standard input closes.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

const payload = `{"continent":"Europe","country":"United Kingdom","city":"London",` +
	`"longitude":-0.0931,"latitude":51.5142,"timezone":"Europe/London"}`

var (
	reqidKey = []byte(`"reqid":"`)
	head     = []byte(`{"version":"0.1.1","time":`)
	mid      = []byte(`,"reqid":"`)
	tail     = []byte(`","code":0,"message":"ok","payload":` + payload + `}`)
)

// reply builds the answer to one request, echoing its reqid.
func reply(request []byte) []byte {
	var id []byte
	if i := bytes.Index(request, reqidKey); i >= 0 {
		rest := request[i+len(reqidKey):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			id = rest[:j]
		}
	}
	out := make([]byte, 0, len(head)+len(mid)+len(tail)+len(id)+20)
	out = append(out, head...)
	out = strconv.AppendInt(out, time.Now().UnixMicro(), 10)
	out = append(out, mid...)
	out = append(out, id...)
	return append(out, tail...)
}

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: ceiling URL USER PASSWORD SUBJECT QUEUE")
		os.Exit(2)
	}
	nc, err := nats.Connect(os.Args[1], nats.UserInfo(os.Args[2], os.Args[3]), nats.Name("bench-ceiling-go"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot connect:", err)
		os.Exit(1)
	}
	_, err = nc.QueueSubscribe(os.Args[4], os.Args[5], func(m *nats.Msg) {
		if m.Reply != "" {
			nc.Publish(m.Reply, reply(m.Data))
		}
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot subscribe:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	nc.Drain()
}
