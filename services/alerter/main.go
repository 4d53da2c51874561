// Command alerter turns the enriched mention stream into bad-buzz incidents
// and delivers them (alerts.<brand> on NATS, webhooks, Slack, Teams, e-mail).
package main

import (
	"os"

	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/alerter/alerter"
)

func main() { os.Exit(service.Main("alerter", alerter.Run)) }
