package metatest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

const racers = 16

// race runs f(i) for i in [0, racers) in goroutines released together and
// returns their errors.
func race(f func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others are lose,
// and returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error, lose error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("%s: racers %d and %d both won, want one winner", what, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, lose):
			t.Fatalf("%s: racer %d got error %v, want nil or %v", what, i, err, lose)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: got no winner, want one", what)
	}
	return winner
}

func testConcurrency(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("CreateBucket", func(t *testing.T) {
		s := newStore(t)
		errs := race(func(i int) error {
			return s.CreateBucket(t.Context(), meta.Bucket{Name: "contended", Owner: fmt.Sprint("tenant-", i), Created: t0})
		})
		w := oneWinner(t, "CreateBucket race", errs, meta.ErrConflict)
		b, err := s.GetBucket(t.Context(), "contended")
		noErr(t, "GetBucket", err)
		if want := fmt.Sprint("tenant-", w); b.Owner != want {
			t.Errorf("GetBucket after race: got owner %q, want the winner %q", b.Owner, want)
		}
	})
	t.Run("IfNoneMatch", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		errs := race(func(i int) error {
			_, err := s.PutObject(t.Context(), newObject("b", "k", fmt.Sprint("v", i)), meta.Cond{IfNoneMatch: true}, nil)
			return err
		})
		w := oneWinner(t, "PutObject IfNoneMatch race", errs, meta.ErrPreconditionFailed)
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if want := fmt.Sprint("v", w); got.VersionID != want {
			t.Errorf("GetObject after race: got version %q, want the winner %q", got.VersionID, want)
		}
	})
	t.Run("CreateUpload", func(t *testing.T) {
		s := newStore(t)
		errs := race(func(i int) error {
			return s.CreateUpload(t.Context(), newUpload("b", fmt.Sprint("k", i), "contended"))
		})
		oneWinner(t, "CreateUpload race", errs, meta.ErrConflict)
	})
	t.Run("Unconditional", func(t *testing.T) {
		// Every write returns the version it replaced. If the writes are
		// atomic, the replaced versions form one chain: one write found the
		// key empty, every other version was replaced exactly once, except
		// the final one, which was never replaced.
		s := newStore(t)
		createBucket(t, s, "b")
		const perRacer = 4
		replaced := make([][]string, racers)
		var mu sync.Mutex
		written := map[string]bool{}
		errs := race(func(i int) error {
			for j := 0; j < perRacer; {
				// A version id must be greater than the latest's: a racer
				// whose id lost to a later one takes a new id.
				v := meta.NextVersionID(time.Now(), "")
				r, err := s.PutObject(t.Context(), newObject("b", "k", v), meta.Cond{}, nil)
				if errors.Is(err, meta.ErrPreconditionFailed) {
					continue
				}
				if err != nil {
					return err
				}
				mu.Lock()
				written[v] = true
				mu.Unlock()
				j++
				was := ""
				if r != nil {
					was = r.VersionID
				}
				replaced[i] = append(replaced[i], was)
			}
			return nil
		})
		for i, err := range errs {
			noErr(t, fmt.Sprint("PutObject by racer ", i), err)
		}
		seen := map[string]bool{}
		empties := 0
		for _, rs := range replaced {
			for _, v := range rs {
				switch {
				case v == "":
					empties++
				case !written[v]:
					t.Fatalf("PutObject returned replaced version %q, which nobody wrote", v)
				case seen[v]:
					t.Fatalf("version %q was replaced twice, want at most once", v)
				}
				seen[v] = true
			}
		}
		if empties != 1 {
			t.Errorf("%d writes found the key empty, want 1", empties)
		}
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if !written[got.VersionID] || seen[got.VersionID] {
			t.Errorf("GetObject after race: got version %q, want the one written version never replaced", got.VersionID)
		}
	})
	t.Run("CompareAndSwap", func(t *testing.T) {
		// Racers advance one key with IfVersion; each success must replace
		// exactly the version it conditioned on, so the successes form a
		// chain whose length is their count.
		s := newStore(t)
		createBucket(t, s, "b")
		start := meta.NextVersionID(time.Now(), "")
		putObject(t, s, newObject("b", "k", start), meta.Cond{})
		const perRacer = 3
		var mu sync.Mutex
		next := map[string]string{} // replaced version -> version that replaced it
		errs := race(func(i int) error {
			for j := 0; j < perRacer; {
				cur, err := s.GetObject(t.Context(), "b", "k")
				if err != nil {
					return err
				}
				v := meta.NextVersionID(time.Now(), cur.VersionID)
				r, err := s.PutObject(t.Context(), newObject("b", "k", v), meta.Cond{IfVersion: cur.VersionID}, nil)
				if errors.Is(err, meta.ErrPreconditionFailed) {
					continue
				}
				if err != nil {
					return err
				}
				if r == nil || r.VersionID != cur.VersionID {
					return fmt.Errorf("PutObject IfVersion %q: got replaced %+v, want that version", cur.VersionID, r)
				}
				mu.Lock()
				if prev, ok := next[cur.VersionID]; ok {
					mu.Unlock()
					return fmt.Errorf("version %q replaced by both %q and %q", cur.VersionID, prev, v)
				}
				next[cur.VersionID] = v
				mu.Unlock()
				j++
			}
			return nil
		})
		for i, err := range errs {
			noErr(t, fmt.Sprint("racer ", i), err)
		}
		n, v := 0, start
		for next[v] != "" {
			v = next[v]
			n++
		}
		if n != racers*perRacer {
			t.Errorf("chain of successful writes: got length %d, want %d", n, racers*perRacer)
		}
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if got.VersionID != v {
			t.Errorf("GetObject after race: got version %q, want the end of the chain %q", got.VersionID, v)
		}
	})
}
