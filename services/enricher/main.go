// Command enricher tags raw mentions with language, sentiment, toxicity,
// entities, near-duplicate cluster and influence.
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/enricher/enricher"
)

func main() { os.Exit(service.Main("enricher", enricher.Run)) }
