// Command forum is veille's forum scraper.
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/forum/forumsvc"
)

func main() { os.Exit(service.Main("forum", forumsvc.Run)) }
