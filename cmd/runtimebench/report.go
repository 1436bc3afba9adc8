package main

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// target is issue 14's bound on the ratio.
const target = 1.15

// report writes the figures of one run.
func report(w io.Writer, o options, m machine, r results) {
	fmt.Fprintf(w, "runtimebench: %d invocations of each function (after %d untimed), interleaved in random order per round\n", o.n, o.warmup)
	fmt.Fprintf(w, "machine: %d CPUs (nproc), %s, %s, redis-server %s\n", m.cpus, m.cpuModel, m.platform, m.redisVersion)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tp50\tp90\tp99\t")
	row := func(name string, d []time.Duration) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, us(percentile(d, 0.5)), us(percentile(d, 0.9)), us(percentile(d, 0.99)))
	}
	row("bare GET (this process)", r.bareGET)
	row("noop (fixed Allow)", r.noop)
	row("noop + one GET", r.get)
	row("floor (event+cookie+GET)", r.floor)
	row("authorizer", r.authorizer)
	_ = tw.Flush()
	fmt.Fprintln(w)
	noop, get := percentile(r.noop, 0.5), percentile(r.get, 0.5)
	auth, floor := percentile(r.authorizer, 0.5)-noop, percentile(r.floor, 0.5)-noop
	fmt.Fprintf(w, "ratio (authorizer p50 − noop p50) / (noop+GET p50 − noop p50) = %s / %s = %s   (issue 14's target: ≤ %.2f)\n",
		us(auth), us(get-noop), ratio(auth, get-noop), target)
	fmt.Fprintf(w, "floor (floor p50 − noop p50) / (noop+GET p50 − noop p50) = %s / %s = %s%s\n",
		us(floor), us(get-noop), ratio(floor, get-noop), againstTarget(floor, get-noop))
	fmt.Fprintf(w, "paired: median per-round (authorizer − noop) / median per-round (noop+GET − noop) = %s / %s = %s\n",
		us(r.pairedAuth), us(r.pairedGET), ratio(r.pairedAuth, r.pairedGET))
	fmt.Fprintf(w, "paired floor: median per-round (floor − noop) / median per-round (noop+GET − noop) = %s / %s = %s%s\n",
		us(r.pairedFloor), us(r.pairedGET), ratio(r.pairedFloor, r.pairedGET), againstTarget(r.pairedFloor, r.pairedGET))
}

// us renders d in microseconds with one decimal.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

// ratio renders a/b, or says why there is none: a GET that costs nothing
// over noop leaves nothing to compare with.
func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "undefined (the GET added nothing over noop in this run)"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// againstTarget places the floor's ratio a/b against the target: how much
// the target leaves for everything an authorizer does beyond the floor, or
// how far below what any authorizer meeting the requirements costs it is.
func againstTarget(a, b time.Duration) string {
	if b <= 0 {
		return ""
	}
	switch f := math.Round(float64(a)/float64(b)*100) / 100; { // as ratio prints it
	case f > target:
		return fmt.Sprintf("   (the target, ≤ %.2f, is %.2f below this floor: no authorizer meeting the requirements reaches it here)", target, f-target)
	default:
		return fmt.Sprintf("   (the target, ≤ %.2f, leaves %.2f above this floor for the authorizer's own checks)", target, target-f)
	}
}
