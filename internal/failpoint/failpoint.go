package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// EnvVar names the failpoints to enable.
const EnvVar = "DOLIUM_FAILPOINTS"

var (
	enabled atomic.Bool
	mu      sync.Mutex
	points  map[string]*int64 // name -> hits left before the crash
)

func init() { Configure(os.Getenv(EnvVar)) }

// Configure enables the failpoints of spec (the EnvVar syntax), replacing
// any enabled before. An empty spec disables all. It reports malformed
// entries on standard error and ignores them.
func Configure(spec string) {
	mu.Lock()
	defer mu.Unlock()
	points = map[string]*int64{}
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, nth, ok := strings.Cut(f, "@")
		n := int64(1)
		if ok {
			v, err := strconv.ParseInt(nth, 10, 64)
			if err != nil || v < 1 {
				fmt.Fprintf(os.Stderr, "failpoint: ignoring %q: want NAME or NAME@N with N >= 1\n", f)
				continue
			}
			n = v
		}
		points[name] = &n
	}
	enabled.Store(len(points) > 0)
}

// Hit kills the process if failpoint name is enabled and due.
func Hit(name string) {
	if !enabled.Load() {
		return
	}
	mu.Lock()
	left, ok := points[name]
	due := false
	if ok {
		*left--
		due = *left == 0
	}
	mu.Unlock()
	if !due {
		return
	}
	fmt.Fprintf(os.Stderr, "failpoint %s: killing the process\n", name)
	crash()
}

// crash is a variable so that the package's own test can observe it.
var crash = func() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL is not delivered synchronously
}
