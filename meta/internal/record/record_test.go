package record

import (
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	type rec struct {
		A string
		M map[string]string
	}
	in := rec{A: "\xff not utf-8", M: map[string]string{"k": "v"}}
	b, err := Encode(in)
	if err != nil || b[0] != V1 {
		t.Fatalf("Encode = %x, %v", b, err)
	}
	var out rec
	if err := Decode(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("Decode = %+v, %v; want %+v", out, err, in)
	}
	for _, bad := range [][]byte{nil, {2, 0}, {V1, 0xff}} {
		if err := Decode(bad, &out); err == nil {
			t.Errorf("Decode(%x) err = nil, want an error", bad)
		}
	}
}
