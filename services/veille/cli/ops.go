package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// cmdPasswd prints the bcrypt hash of the password on stdin, for
// console.users[].password_hash.
func cmdPasswd(_ context.Context, args []string, s stdio) int {
	fs := flags("passwd", "< password", s)
	cost := fs.Int("cost", 12, "bcrypt cost")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	line, err := bufio.NewReader(io.LimitReader(s.in, 1024)).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintln(s.err, "veille passwd:", err)
		return 1
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		fmt.Fprintln(s.err, "veille passwd: the password must have at least 8 characters")
		return 2
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), *cost)
	if err != nil {
		fmt.Fprintln(s.err, "veille passwd:", err)
		return 1
	}
	fmt.Fprintln(s.out, string(h))
	return 0
}

// cmdHealth asks a health endpoint; exit status 0 when it answers 200
// (container healthchecks, scripts).
func cmdHealth(ctx context.Context, args []string, s stdio) int {
	fs := flags("health", "[--url http://127.0.0.1:9464/readyz]", s)
	u := fs.String("url", "http://127.0.0.1:9464/healthz", "endpoint to check (/healthz: alive, /readyz: dependencies up)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		fmt.Fprintln(s.err, "veille health:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(s.err, "veille health:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprint(s.out, string(body))
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
