package checksum

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Vectors computed independently with Python's zlib and hashlib and a
// bitwise reference CRC; CRC check values ("123456789") are the published
// ones from the CRC catalogue.
var vectors = []struct {
	alg   Algorithm
	input string
	want  string
}{
	{CRC32, "123456789", "y/Q5Jg=="}, // 0xCBF43926
	{CRC32, "Hello world", "i9aeUg=="},
	{CRC32, "", "AAAAAA=="},
	{CRC32C, "123456789", "4waSgw=="}, // 0xE3069283
	{CRC32C, "Hello world", "crUfeA=="},
	{CRC64NVME, "123456789", "rosUhgp5mIg="}, // 0xAE8B14860A799888
	{CRC64NVME, "Hello world", "OOJZ0D8xKts="},
	{CRC64NVME, "", "AAAAAAAAAAA="},
	{SHA1, "123456789", "98O8HYCOBHMq32eZZczDTKeuNEE="},
	{SHA1, "Hello world", "e1AsOh9IyGCa4hLN+2Od7jlnP14="},
	{SHA256, "123456789", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
	{SHA256, "Hello world", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
	{SHA256, "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
}

func sum(a Algorithm, data []byte) string {
	h := a.New()
	h.Write(data)
	return Encode(h.Sum(nil))
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(string(v.alg)+"/"+strconv.Quote(v.input), func(t *testing.T) {
			if got := sum(v.alg, []byte(v.input)); got != v.want {
				t.Errorf("got %s, want %s", got, v.want)
			}
			if got := len(v.alg.New().Sum(nil)); got != v.alg.Size() {
				t.Errorf("Size: got %d, want %d", v.alg.Size(), got)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"CRC32", CRC32, true},
		{"crc32c", CRC32C, true},
		{"Crc64Nvme", CRC64NVME, true},
		{"sha1", SHA1, true},
		{"SHA256", SHA256, true},
		{"MD5", "", false},
		{"", "", false},
		{"CRC32 ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Parse(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHeaderName(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "x-amz-checksum-crc32",
		CRC32C:    "x-amz-checksum-crc32c",
		CRC64NVME: "x-amz-checksum-crc64nvme",
		SHA1:      "x-amz-checksum-sha1",
		SHA256:    "x-amz-checksum-sha256",
	}
	if got := len(All()); got != len(want) {
		t.Fatalf("len(All()): got %d, want %d", got, len(want))
	}
	for _, a := range All() {
		t.Run(string(a), func(t *testing.T) {
			if got := a.HeaderName(); got != want[a] {
				t.Errorf("got %s, want %s", got, want[a])
			}
		})
	}
}

func TestComposite(t *testing.T) {
	parts := []string{"Hello ", "world"}
	tests := []struct {
		alg  Algorithm
		want string // from Python: checksum of the concatenated raw part sums
	}{
		{SHA256, "acdnvtbdm4jPfDXJCbi8VrwyZZWdqlLzrwf8n3vc18g=-2"},
		{CRC32, "IDnaDw==-2"},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			var sums []string
			for _, p := range parts {
				sums = append(sums, sum(tt.alg, []byte(p)))
			}
			got, err := Composite(tt.alg, sums)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestCompositeErrors(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
		sums []string
	}{
		{"no parts", SHA256, nil},
		{"unknown algorithm", "MD5", []string{"AAAAAA=="}},
		{"bad base64", CRC32, []string{"***"}},
		{"wrong length", CRC32, []string{"AAAAAAAAAAA="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Composite(tt.alg, tt.sums); err == nil {
				t.Errorf("got %q, nil; want an error", got)
			}
		})
	}
}

func TestCombineFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20+17)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	splits := map[string][]int{
		"one part":         {len(data)},
		"two parts":        {5 << 17, len(data) - 5<<17},
		"empty middle":     {100, 0, len(data) - 100},
		"odd sizes":        {1, 2, 3, 4, 5, 6, 7, len(data) - 28},
		"single bytes end": {len(data) - 3, 1, 1, 1},
	}
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for name, sizes := range splits {
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				var sums []string
				var lens []int64
				off := 0
				for _, n := range sizes {
					sums = append(sums, sum(alg, data[off:off+n]))
					lens = append(lens, int64(n))
					off += n
				}
				got, err := CombineFull(alg, sums, lens)
				want := sum(alg, data)
				if err != nil || got != want {
					t.Errorf("got %q, %v; want %q, nil", got, err, want)
				}
			})
		}
	}
}

func TestCombineFullVector(t *testing.T) {
	// CRC64NVME("123456789") from its parts "1234" and "56789".
	got, err := CombineFull(CRC64NVME, []string{sum(CRC64NVME, []byte("1234")), sum(CRC64NVME, []byte("56789"))}, []int64{4, 5})
	if want := "rosUhgp5mIg="; err != nil || got != want {
		t.Errorf("got %q, %v; want %q, nil", got, err, want)
	}
}

func TestCombineFullErrors(t *testing.T) {
	tests := []struct {
		name  string
		alg   Algorithm
		sums  []string
		sizes []int64
	}{
		{"sha256", SHA256, []string{"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}, []int64{0}},
		{"length mismatch", CRC32, []string{"AAAAAA=="}, []int64{1, 2}},
		{"no parts", CRC32, nil, nil},
		{"bad base64", CRC32C, []string{"!"}, []int64{1}},
		{"wrong size sum", CRC64NVME, []string{"AAAAAA=="}, []int64{1}},
		{"negative size", CRC32, []string{"AAAAAA==", "AAAAAA=="}, []int64{1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := CombineFull(tt.alg, tt.sums, tt.sizes); err == nil {
				t.Errorf("got %q, nil; want an error", got)
			}
		})
	}
}

func TestNewPanicsOnUnknown(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "MD5") {
			t.Errorf("got panic %v, want one naming MD5", r)
		}
	}()
	Algorithm("MD5").New()
}

func TestDecode(t *testing.T) {
	raw, err := Decode(CRC32, "y/Q5Jg==")
	if want := []byte{0xcb, 0xf4, 0x39, 0x26}; err != nil || !bytes.Equal(raw, want) {
		t.Errorf("got %x, %v; want %x, nil", raw, err, want)
	}
}
