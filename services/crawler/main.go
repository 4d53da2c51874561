// Command crawler is veille's web crawler: it follows configured sites within
// depth and page limits, extracts articles and their comments, and publishes
// one raw mention per (article or comment, matching brand).
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/crawler/crawler"
)

func main() { os.Exit(service.Main("crawler", crawler.Run)) }
