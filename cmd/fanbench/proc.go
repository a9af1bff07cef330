package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ). The
// kernel fixes it at 100 for user space on every architecture Go supports,
// whatever CONFIG_HZ is, so there is no need for sysconf(_SC_CLK_TCK).
const userHZ = 100

// procSample is one reading of a server process's resources.
type procSample struct {
	rssKiB   int64 // resident set size
	cpuTicks int64 // user + system CPU time, in 1/userHZ s
	at       time.Time
}

// readProc samples pid from /proc.
func readProc(pid int) (procSample, error) {
	at := time.Now()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return procSample{}, fmt.Errorf("pid %d: %w", pid, err)
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return procSample{}, fmt.Errorf("pid %d: %w", pid, err)
	}
	return procSample{rssKiB: rss, cpuTicks: cpu, at: at}, nil
}

// parseStatusRSS returns VmRSS from /proc/<pid>/status ("VmRSS:  1234 kB").
func parseStatusRSS(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", line)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, errors.New("no VmRSS line (a kernel thread or a zombie?)")
}

// parseStatCPU returns utime+stime from /proc/<pid>/stat. The command name
// (field 2) is in parentheses and may itself contain spaces and ')', so the
// fields are counted from the last ')'; utime and stime are fields 14 and
// 15 of proc(5).
func parseStatCPU(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name in stat")
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("stat has %d fields after the name, want at least 13", len(f))
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return utime + stime, nil
}

// parsePIDs parses the -pids list.
func parsePIDs(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var pids []int
	for p := range strings.SplitSeq(s, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-pids: %q is not a process id", p)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// sampleAll reads every pid; a process that cannot be read is an error, as
// a figure for half the servers would mislead.
func sampleAll(pids []int) ([]procSample, error) {
	out := make([]procSample, len(pids))
	for i, pid := range pids {
		s, err := readProc(pid)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// procFigures sums up the servers: RSS per idle connection (growth between
// before and connected over all of them), and CPU seconds and wall time of
// the publish phase (connected to after).
func procFigures(conns []int, before, connected, after []procSample) (kibPerConn, cpu, wall float64) {
	var grown int64
	var n int
	for i := range before {
		grown += connected[i].rssKiB - before[i].rssKiB
		n += conns[i]
		cpu += float64(after[i].cpuTicks-connected[i].cpuTicks) / userHZ
		wall = max(wall, after[i].at.Sub(connected[i].at).Seconds())
	}
	return float64(grown) / float64(max(n, 1)), cpu, wall
}

// reportProcs prints each server's memory per idle connection (between
// before and connected) and CPU during the publish phase (connected to
// after). conns[i] is the number of subscribers on pids[i].
func reportProcs(pids []int, conns []int, before, connected, after []procSample) {
	var totalCPU float64
	for i, pid := range pids {
		b, c, a := before[i], connected[i], after[i]
		perConn := 0.0
		if conns[i] > 0 {
			perConn = float64(c.rssKiB-b.rssKiB) / float64(conns[i])
		}
		cpu := float64(a.cpuTicks-c.cpuTicks) / userHZ
		wall := a.at.Sub(c.at).Seconds()
		totalCPU += cpu
		fmt.Printf("server %d   RSS %d → %d KiB with %d connections (%.1f KiB/conn) → %d KiB after the run; CPU %.2f s in %.2f s publish phase (%.0f%% of one core)\n",
			pid, b.rssKiB, c.rssKiB, conns[i], perConn, a.rssKiB, cpu, wall, 100*cpu/max(wall, 1e-9))
	}
	if len(pids) > 1 {
		fmt.Printf("servers     CPU %.2f s in total during the publish phase\n", totalCPU)
	}
}
