// Package cloud runs real processes: three or four "cloud" S3 servers
// (dolium on its embedded store, or MinIO servers built from MinIO's Go
// module by install-minio.sh), a faultproxy in front of each, and a gateway
// whose zones are the proxies, then breaks zones (refused, blackholed, slow,
// damaged shards, replaced) and checks that no acknowledged object is lost
// or wrong and that the redundancy report tells the truth.
package cloud
