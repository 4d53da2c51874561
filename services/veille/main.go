// Command veille is the all-in-one: every service in one process (run), the
// demo, migrations, load generation, tagging and evaluation.
package main

import (
	"os"

	"github.com/veille-oss/veille/services/veille/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
