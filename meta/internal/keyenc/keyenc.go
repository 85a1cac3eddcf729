// Package keyenc is the order-preserving encoding of key components that
// both metadata backends use: Pebble for every row key, Cassandra for the
// clustering keys of version rows.
package keyenc

// AppendEscaped appends s as a self-delimiting, order-preserving
// component: each 0x00 byte becomes 0x00 0xFF and the component ends with
// 0x00 0x01. The terminator sorts below every escaped byte, so a string
// sorts before each of its extensions ("b" < "b\x00" < "bb"), and no
// component is a prefix of a different one.
func AppendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0x00 {
			dst = append(dst, 0x00, 0xFF)
			continue
		}
		dst = append(dst, s[i])
	}
	return append(dst, 0x00, 0x01)
}

// AppendNewestFirst appends version id v so that greater ids sort first:
// every byte complemented, then 0xFF, so that an id sorts after each of
// its extensions ("v10" before "v1"). Version ids hold no 0x00 byte.
func AppendNewestFirst(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		dst = append(dst, ^v[i])
	}
	return append(dst, 0xFF)
}
