package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on Linux).
const clockTicks = 100

// ticksPerMention turns CPU ticks spent on n mentions into µs per mention.
func ticksPerMention(ticks uint64, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(ticks) / clockTicks * 1e6 / float64(n)
}

// CPUSplit is the CPU time per mention of a phase: all CPUs' busy time, and
// the share of the pipeline process, the local ClickHouse server, the bench
// process (load generator, polls) and an external nats-server.
type CPUSplit struct {
	Busy       float64 `json:"machine_busy"` // share of all CPUs busy
	Machine    float64 `json:"machine_us"`
	Pipeline   float64 `json:"pipeline_us,omitempty"` // 0 in-process
	ClickHouse float64 `json:"clickhouse_us,omitempty"`
	Bench      float64 `json:"bench_us"`
	NATS       float64 `json:"nats_server_us,omitempty"`
}

// phaseCPU is the CPU clock at the start of a phase.
type phaseCPU struct {
	pid               int
	chPids, natsPids  []int
	c0                cpuTimes
	ch0, self0, nats0 uint64
	err               error
}

// startCPU reads the CPU times of the machine, the pipeline process pid (0
// in-process), the local clickhouse-server processes and natsPids.
func startCPU(pid int, natsPids []int) *phaseCPU {
	p := &phaseCPU{pid: pid, natsPids: natsPids, chPids: pidsNamed("clickhouse-serv")} // comm is cut at 15 bytes
	p.c0, p.err = readCPU(pid)
	p.ch0, p.self0, p.nats0 = ticksOf(p.chPids), ticksOf([]int{os.Getpid()}), ticksOf(natsPids)
	return p
}

// perMention is the CPU spent since startCPU over n mentions.
func (p *phaseCPU) perMention(n int) CPUSplit {
	var s CPUSplit
	c1, err := readCPU(p.pid)
	if err != nil || p.err != nil {
		return s
	}
	s.Busy = c1.busyShare(p.c0)
	// /proc/stat counts every CPU: busy ticks are CPU time.
	s.Machine = ticksPerMention(c1.busy-p.c0.busy, n)
	if p.pid != 0 {
		s.Pipeline = ticksPerMention(c1.proc-p.c0.proc, n)
	}
	s.ClickHouse = ticksPerMention(ticksOf(p.chPids)-p.ch0, n)
	s.Bench = ticksPerMention(ticksOf([]int{os.Getpid()})-p.self0, n)
	s.NATS = ticksPerMention(ticksOf(p.natsPids)-p.nats0, n)
	return s
}

// cpuTimes is a snapshot of the machine's and a process's CPU time.
type cpuTimes struct {
	busy, total uint64 // machine, all CPUs, in ticks
	proc        uint64 // utime+stime of the process, in ticks (0 when pid is 0)
}

// readCPU reads /proc/stat and, when pid is not 0, /proc/<pid>/stat.
func readCPU(pid int) (cpuTimes, error) {
	var c cpuTimes
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return c, fmt.Errorf("unexpected /proc/stat first line %q", line)
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return c, fmt.Errorf("/proc/stat field %d: %w", i+1, err)
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	if pid != 0 {
		t, err := procTicks(pid)
		if err != nil {
			return c, err
		}
		c.proc = t
	}
	return c, nil
}

// procTicks is utime+stime of pid, from /proc/<pid>/stat.
func procTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	// Fields after the command: state(3) ... utime(14) stime(15).
	rest := strings.Fields(string(b[i+1:]))
	if len(rest) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseUint(rest[11], 10, 64)
	st, err2 := strconv.ParseUint(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad CPU times in /proc/%d/stat", pid)
	}
	return ut + st, nil
}

// pidsNamed lists the processes whose command name (/proc/<pid>/comm,
// truncated by the kernel to 15 bytes) is comm.
func pidsNamed(comm string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(b)) == comm {
			out = append(out, pid)
		}
	}
	return out
}

// ticksOf sums utime+stime over pids (processes gone meanwhile count 0).
func ticksOf(pids []int) uint64 {
	var n uint64
	for _, pid := range pids {
		if t, err := procTicks(pid); err == nil {
			n += t
		}
	}
	return n
}

// busyShare is the fraction of all CPUs busy between before and c.
func (c cpuTimes) busyShare(before cpuTimes) float64 {
	dt := c.total - before.total
	if dt == 0 {
		return 0
	}
	return float64(c.busy-before.busy) / float64(dt)
}
