package failpoint

import "testing"

func TestHit(t *testing.T) {
	crashes := 0
	crash = func() { crashes++ }
	t.Cleanup(func() { Configure("") })

	Configure("")
	Hit("a")
	if crashes != 0 {
		t.Fatalf("Hit with no failpoints crashed")
	}
	Configure("a, b@3, bad@x, c@0")
	Hit("c")
	Hit("bad")
	if crashes != 0 {
		t.Fatalf("malformed failpoints were enabled")
	}
	Hit("a")
	if crashes != 1 {
		t.Fatalf("Hit(a) crashes = %d, want 1", crashes)
	}
	Hit("b")
	Hit("b")
	if crashes != 1 {
		t.Fatalf("Hit(b) twice crashed before its third time")
	}
	Hit("b")
	if crashes != 2 {
		t.Fatalf("Hit(b) a third time: crashes = %d, want 2", crashes)
	}
	Hit("b")
	Hit("a")
	if crashes != 2 {
		t.Fatalf("failpoints fired again after firing once")
	}
}
