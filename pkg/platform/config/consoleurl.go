package config

import (
	"net"
	"strings"
)

// PublicURL is the console's address for links sent elsewhere (alert
// messages): base_url when set, else http:// and the listen address, with
// a wildcard host (0.0.0.0, ::, empty) read as loopback. Alert links then
// follow the console's port instead of assuming 8080.
func (c Console) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil || port == "" || port == "0" { // :0 is a port chosen at run time: unknown here
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
