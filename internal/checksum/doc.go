// Package checksum implements the S3 "additional checksums": CRC32,
// CRC32C, CRC64NVME, SHA1 and SHA256, as described in the Amazon S3 User
// Guide, "Checking object integrity in Amazon S3"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
//
// Guarantees:
//
//   - Algorithm.New returns the exact hash S3 uses: CRC32 is IEEE
//     (zlib's crc32), CRC32C is Castagnoli, CRC64NVME is the reflected
//     CRC-64/NVME (polynomial 0xAD93D23594C93659, check value
//     0xAE8B14860A799888 for "123456789"). CRC sums are big-endian, as in
//     the x-amz-checksum-* headers.
//   - Encode formats a raw sum the way S3 headers carry it: standard base64
//     with padding.
//   - Composite computes a multipart COMPOSITE checksum: the checksum of the
//     concatenated raw part checksums, formatted "<base64>-<parts>".
//   - CombineFull computes a multipart FULL_OBJECT checksum for the CRC
//     algorithms from the part CRCs and part sizes alone, without re-reading
//     data (the method of zlib's crc32_combine). It equals the CRC of the
//     concatenated parts.
//
// All functions are pure and safe for concurrent use.
package checksum
