package pebble

import (
	"encoding/binary"
	"time"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/keyenc"
)

// Table tags: the first byte of every key names its table.
const (
	tagBucket   = 'b' // b | name                                  -> bucket
	tagObject   = 'o' // o | esc(bucket) | key                     -> object
	tagUpload   = 'u' // u | esc(bucket) | esc(key) | upload id    -> upload
	tagUploadID = 'i' // i | upload id                             -> (bucket, key) of the upload
	tagPart     = 'p' // p | esc(upload id) | part number (8 bytes) -> part
	tagQueue    = 'q' // q | due (8 bytes) | data id               -> gc entry
	tagRepair   = 'r' // r | due (8 bytes) | esc(data id) | index | zone | delete -> repair entry
	// c | upload id -> completion record; C | expires (8 bytes) | upload id -> nothing
	tagCompletion    = 'c'
	tagCompletionExp = 'C'
	tagRebuild       = 'z' // z | zone name                             -> zone rebuild
	// v | esc(bucket) | esc(key) | versionOrder(version id) -> one version
	tagVersion = 'v'
	tagNull    = 'n' // n | esc(bucket) | key  -> version id of the key's null version
	tagLease   = 'l' // l | name               -> lease
	tagState   = 's' // s | name               -> store state (the format of the object index)
)

// appendEscaped is the order-preserving component encoding (keyenc):
// rows of bucket "b" and bucket "bb" never mix.
func appendEscaped(dst []byte, s string) []byte { return keyenc.AppendEscaped(dst, s) }

// appendEscapedPrefix is appendEscaped without the terminator: every
// component whose string starts with s starts with these bytes.
func appendEscapedPrefix(dst []byte, s string) []byte {
	dst = appendEscaped(dst, s)
	return dst[:len(dst)-2]
}

// appendInt appends n as 8 big-endian bytes with the sign bit flipped, so
// that byte order is numeric order for negative numbers too.
func appendInt(dst []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(n)^(1<<63))
}

// successor returns the smallest key greater than every key that starts
// with prefix, or nil if there is none (prefix is all 0xFF).
func successor(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			out := append([]byte(nil), prefix[:i+1]...)
			out[i]++
			return out
		}
	}
	return nil
}

func bucketKey(name string) []byte {
	return append([]byte{tagBucket}, name...)
}

// objectsPrefix is the key range prefix of a bucket's objects.
func objectsPrefix(bucket string) []byte {
	return appendEscaped([]byte{tagObject}, bucket)
}

func objectKey(bucket, key string) []byte {
	return append(objectsPrefix(bucket), key...)
}

// uploadsPrefix is the key range prefix of a bucket's uploads.
func uploadsPrefix(bucket string) []byte {
	return appendEscaped([]byte{tagUpload}, bucket)
}

func uploadKey(bucket, key, uploadID string) []byte {
	return append(appendEscaped(uploadsPrefix(bucket), key), uploadID...)
}

func uploadIDKey(uploadID string) []byte {
	return append([]byte{tagUploadID}, uploadID...)
}

// partsPrefix is the key range prefix of an upload's parts.
func partsPrefix(uploadID string) []byte {
	return appendEscaped([]byte{tagPart}, uploadID)
}

func partKey(uploadID string, number int) []byte {
	return appendInt(partsPrefix(uploadID), int64(number))
}

// queueDuePrefix is the prefix of every queue key due at unixNano.
func queueDuePrefix(unixNano int64) []byte {
	return appendInt([]byte{tagQueue}, unixNano)
}

func queueKey(unixNano int64, dataID string) []byte {
	return append(queueDuePrefix(unixNano), dataID...)
}

// repairDuePrefix is the prefix of every repair queue key due at unixMilli.
func repairDuePrefix(unixMilli int64) []byte {
	return appendInt([]byte{tagRepair}, unixMilli)
}

// repairKey is the key of e's identity: Due at millisecond precision,
// DataID (escaped, as it is not the last component), Index, Zone, then
// Delete as one byte (0 or 1), so the order is that of the tuple.
func repairKey(e meta.RepairEntry) []byte {
	k := appendEscaped(repairDuePrefix(e.Due.Truncate(time.Millisecond).UnixMilli()), e.DataID)
	k = appendInt(k, int64(e.Index))
	k = appendInt(k, int64(e.Zone))
	if e.Delete {
		return append(k, 1)
	}
	return append(k, 0)
}

// versionsPrefix is the key range prefix of a bucket's versions.
func versionsPrefix(bucket string) []byte {
	return appendEscaped([]byte{tagVersion}, bucket)
}

// keyVersionsPrefix is the key range prefix of one key's versions.
func keyVersionsPrefix(bucket, key string) []byte {
	return appendEscaped(versionsPrefix(bucket), key)
}

func versionKey(bucket, key, v string) []byte {
	return keyenc.AppendNewestFirst(keyVersionsPrefix(bucket, key), v)
}

func nullKey(bucket, key string) []byte {
	return append(appendEscaped([]byte{tagNull}, bucket), key...)
}

func leaseKey(name string) []byte {
	return append([]byte{tagLease}, name...)
}

func stateKey(name string) []byte {
	return append([]byte{tagState}, name...)
}
