package keyenc

import (
	"bytes"
	"slices"
	"testing"
)

func TestOrder(t *testing.T) {
	keys := []string{"", "a", "a\x00", "a\x00b", "a/", "ab", "b", "\xff"}
	for i := 1; i < len(keys); i++ {
		a, b := AppendEscaped(nil, keys[i-1]), AppendEscaped(nil, keys[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("AppendEscaped(%q) = %x is not below AppendEscaped(%q) = %x", keys[i-1], a, keys[i], b)
		}
		if bytes.HasPrefix(b, a) {
			t.Errorf("AppendEscaped(%q) is a prefix of AppendEscaped(%q)", keys[i-1], keys[i])
		}
	}
	ids := []string{"v1", "v10", "v2", "0123", "ff"}
	enc := make([][]byte, len(ids))
	for i, v := range ids {
		enc[i] = AppendNewestFirst(nil, v)
	}
	slices.SortFunc(enc, bytes.Compare)
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	for i, v := range sorted {
		if !bytes.Equal(enc[i], AppendNewestFirst(nil, v)) {
			t.Errorf("position %d: want %q (newest first), got %x", i, v, enc[i])
		}
	}
}
