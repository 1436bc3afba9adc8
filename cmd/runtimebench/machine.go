package main

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// machine is the regime a run was measured in.
type machine struct {
	cpus     int    // usable CPUs, as nproc counts them
	cpuModel string // /proc/cpuinfo's model name, or "unknown"
	platform string // GOOS/GOARCH and the Go version
	// redisVersion is INFO's redis_version of the Redis measured against.
	redisVersion string
}

func probeMachine() machine {
	return machine{
		cpus:     runtime.NumCPU(),
		cpuModel: cpuModel("/proc/cpuinfo"),
		platform: runtime.GOOS + "/" + runtime.GOARCH + ", " + runtime.Version(),
	}
}

// cpuModel is the first "model name" of a cpuinfo file (x86), else its
// first "Model" or "CPU part" (arm64), else "unknown".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	fallback := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case name == "model name" && value != "":
			return value
		case (name == "Model" || name == "CPU part") && fallback == "":
			fallback = name + " " + value
		}
	}
	if fallback != "" {
		return fallback
	}
	return "unknown"
}
