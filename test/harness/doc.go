// Package harness is what the real-process tests (conformance, test/fault,
// test/cluster, test/cloud, blobstore/s3) share: building dolium once per
// test binary and running it, and the clients they drive it with.
//
// Processes: Main (or Binary) builds ./cmd/dolium of this module once;
// Start and StartTest run `dolium serve` on a free loopback port (or a
// given address), on the embedded store or on Cassandra, with extra flags,
// environment or a config file, and wait for /healthz; the Server can be
// stopped (SIGTERM), killed, inspected (LogTail, RSS) and driven through
// `dolium admin` (AdminCommand). StartProcess runs any other server
// process the same way (the cloud tests' MinIO zones).
//
// Clients: SDKClient (aws-sdk-go-v2) and MinioClient (minio-go), path-style
// and without retries; NewAWSCLI, the aws CLI in an isolated environment,
// and NewAWSCLIMajor, the same for the v1 or the v2 CLI (FindAWSCLI),
// skipped when not installed unless DOLIUM_REQUIRE_CLI is set, as is a
// client LookTool finds (restic); Sign for
// hand-made SigV4 requests and Do/ReadResponse to read their answers
// whole; NewChromium, a headless Chromium for tests that need a real
// browser (CORS), skipped when not installed unless DOLIUM_REQUIRE_CLI is
// set.
//
// This package is test support: nothing in dolium itself imports it.
package harness
