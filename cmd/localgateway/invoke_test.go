package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// TestLambdaFuncIsSafeConcurrently: many concurrent invocations each get
// their own response. A handler shared across goroutines
// (lambda.NewHandler(f).Invoke) returns bytes from a buffer it has already
// put back in its pool, so under load one request could read another's
// response; lambdaFunc must never do that.
func TestLambdaFuncIsSafeConcurrently(t *testing.T) {
	type in struct{ N int }
	type out struct{ Echo string }
	inv := lambdaFunc(func(_ context.Context, e in) (out, error) {
		return out{Echo: fmt.Sprintf("response-for-%06d-%s", e.N, "padding-so-the-buffer-is-reused-and-overwritten")}, nil
	})
	const workers, each = 8, 400
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n := w*each + i
				b, err := inv(context.Background(), []byte(fmt.Sprintf(`{"N":%d}`, n)))
				if err != nil {
					errs <- err.Error()
					return
				}
				runtime.Gosched() // a caller does work before it reads the bytes
				want := fmt.Sprintf(`{"Echo":"response-for-%06d-padding-so-the-buffer-is-reused-and-overwritten"}`, n)
				if string(b) != want {
					errs <- fmt.Sprintf("invocation %d got %s", n, b)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
