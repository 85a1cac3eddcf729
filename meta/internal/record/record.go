package record

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// V1 is the first byte of every value this package writes.
const V1 = 1

// Encode returns the versioned encoding of v.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte(V1)
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b.Bytes(), nil
}

// Decode parses a value written by Encode into v.
func Decode(data []byte, v any) error {
	if len(data) == 0 {
		return fmt.Errorf("decode %T: empty value", v)
	}
	if data[0] != V1 {
		return fmt.Errorf("decode %T: unknown format version %d", v, data[0])
	}
	if err := gob.NewDecoder(bytes.NewReader(data[1:])).Decode(v); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}
