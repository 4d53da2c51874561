// Command rss is veille's RSS/Atom/JSON Feed reader.
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/rss/rss"
)

func main() { os.Exit(service.Main("rss", rss.Run)) }
