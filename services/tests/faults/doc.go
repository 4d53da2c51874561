// Package faults holds veille's fault-injection, graceful-shutdown and
// security tests. It has no code of its own: the tests build bin/veille, run
// the pipeline as separate processes against a NATS server and a private
// ClickHouse, break things (SIGKILL, restarts, outages, poison and slow
// sources) and check that every published mention is stored exactly once.
package faults
