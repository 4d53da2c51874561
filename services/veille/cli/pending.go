package cli

import (
	"context"
	"fmt"
)

func notYet(name string) func(context.Context, []string, stdio) int {
	return func(_ context.Context, _ []string, s stdio) int {
		fmt.Fprintf(s.err, "veille %s: not available in this build yet\n", name)
		return 1
	}
}

var (
	cmdPasswd = notYet("passwd")
)
