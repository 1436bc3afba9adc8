package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	var o options
	fs := flag.NewFlagSet("runtimebench", flag.ExitOnError)
	fs.IntVar(&o.n, "n", 3000, "timed invocations of each function (and bare GETs)")
	fs.IntVar(&o.warmup, "warmup", 100, "untimed invocations of each function first (dial, script load, warm caches)")
	fs.StringVar(&o.redisURL, "redis", "", "a Redis to use (redis://host:port/db); default: start a redis-server from PATH on a free loopback port")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./cmd/runtimebench [-n 3000] [-warmup 100] [-redis URL]")
		fmt.Fprintln(fs.Output(), "Measures the authorizer under a Lambda Runtime API against three reference functions (go doc ./cmd/runtimebench).")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	if err := validate(o); err != nil {
		fmt.Fprintln(os.Stderr, "runtimebench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "runtimebench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	n, warmup int
	redisURL  string
}

func validate(o options) error {
	if o.n < 1 || o.warmup < 1 {
		return fmt.Errorf("-n (%d) and -warmup (%d) must be at least 1", o.n, o.warmup)
	}
	return nil
}

// run measures and writes the report to out; progress goes to log.
func run(ctx context.Context, o options, out, log io.Writer) error {
	if err := validate(o); err != nil {
		return err
	}
	f, err := setUp(ctx, o, log)
	if f != nil {
		defer f.close()
	}
	if err != nil {
		return err
	}
	res, err := f.measure(ctx, o)
	if err != nil {
		return err
	}
	report(out, o, f.machine, res)
	return nil
}
