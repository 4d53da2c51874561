// Command sink writes enriched mentions from NATS JetStream to ClickHouse.
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/sink/sink"
)

func main() { os.Exit(service.Main("sink", sink.Run)) }
