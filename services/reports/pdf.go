package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// MaxPDFBytes bounds the PDF read back from Chromium.
const MaxPDFBytes = 64 << 20

// printTimeout bounds one Chromium run when ctx has no earlier deadline.
const printTimeout = 2 * time.Minute

// FindChromium returns path if set (it must exist), else the first of
// chromium, chromium-browser, google-chrome, headless_shell found in PATH.
func FindChromium(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrNoChromium, path, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// PrintPDF prints a self-contained HTML page to PDF with headless Chromium
// (A4, the page's own @page margins, no header or footer) and copies it to w.
// The page is loaded from a file in a fresh temporary directory that also
// holds the browser profile; the network is not needed.
func PrintPDF(ctx context.Context, chromium string, page []byte, w io.Writer) error {
	dir, err := os.MkdirTemp("", "veille-report-")
	if err != nil {
		return fmt.Errorf("%w: %w", errPrint, err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "report.html")
	out := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		return fmt.Errorf("%w: %w", errPrint, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, printTimeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf-no-header",
		"--print-to-pdf="+out,
		"file://"+in)
	// Chromium forks helpers: kill the whole group on cancel.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &limited{w: &stderr, n: 8 << 10}
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s: %w: %s", errPrint, chromium, err, bytes.TrimSpace(stderr.Bytes()))
	}
	f, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("%w: chromium wrote no PDF: %w: %s", errPrint, err, bytes.TrimSpace(stderr.Bytes()))
	}
	defer f.Close()
	var head [5]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:]) != "%PDF-" {
		return fmt.Errorf("%w: output is not a PDF", errPrint)
	}
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	n, err := io.Copy(w, io.LimitReader(f, MaxPDFBytes))
	if err != nil {
		return err
	}
	if n == MaxPDFBytes {
		return fmt.Errorf("%w: PDF larger than %d bytes", errPrint, MaxPDFBytes)
	}
	return nil
}

// limited keeps the first n bytes written and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
