// Command console serves veille's web console (live stream, dashboards,
// incidents, sources health, search and CSV export).
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/console/console"
)

func main() { os.Exit(service.Main("console", console.Run)) }
