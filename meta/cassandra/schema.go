package cassandra

// migrations are the "meta" component's schema steps, run in order by
// cqldb.DB.Migrate; step i moves the schema from version i to i+1. Never
// edit a released step: append a new one. doc.go explains every choice.
var migrations = []string{
	// 1: buckets. Rows are never deleted: DeleteBucket sets deleted, so
	// that index_shards stays fixed for the name forever.
	`CREATE TABLE IF NOT EXISTS buckets (
		name text PRIMARY KEY,
		owner text,
		created timestamp,
		region text,
		versioning text,
		placement text,
		shards int,
		index_shards int,
		deleted boolean
	)`,
	// 2: objects, one current row per key, sharded by hash(key).
	`CREATE TABLE IF NOT EXISTS objects (
		bucket text,
		shard int,
		key blob,
		version_id text,
		data blob,
		PRIMARY KEY ((bucket, shard), key)
	) WITH compaction = {'class': 'LeveledCompactionStrategy'}
	  AND gc_grace_seconds = 864000`,
	// 3: uploads, the listing index of multipart uploads per bucket.
	`CREATE TABLE IF NOT EXISTS uploads (
		bucket text,
		key blob,
		upload_id text,
		upload blob,
		PRIMARY KEY ((bucket), key, upload_id)
	) WITH gc_grace_seconds = 86400`,
	// 4: parts, one partition per upload id: the static columns claim the
	// id and hold the upload; rows are its parts.
	`CREATE TABLE IF NOT EXISTS parts (
		upload_id text,
		part_number int,
		live boolean STATIC,
		bucket text STATIC,
		key blob STATIC,
		upload blob STATIC,
		data_id text,
		data blob,
		PRIMARY KEY ((upload_id), part_number)
	) WITH compaction = {'class': 'LeveledCompactionStrategy'}
	  AND gc_grace_seconds = 864000`,
	// 5: gc_queue, partitioned by the ten minutes its entries are due in.
	`CREATE TABLE IF NOT EXISTS gc_queue (
		slot bigint,
		due timestamp,
		data_id text,
		bucket text,
		key blob,
		upload_id text,
		part_number int,
		size bigint,
		chunk_size bigint,
		PRIMARY KEY ((slot), due, data_id)
	) WITH compaction = {'class': 'SizeTieredCompactionStrategy',
	                     'unchecked_tombstone_compaction': 'true',
	                     'tombstone_threshold': '0.2'}
	  AND gc_grace_seconds = 10800`,
	// 6: gc_mark, the queue's low-water mark: no slot below it holds entries.
	`CREATE TABLE IF NOT EXISTS gc_mark (
		id text PRIMARY KEY,
		slot bigint
	)`,
	// 7: repair_queue, slotted like gc_queue; its low-water mark is the
	// row 'repair' of gc_mark (Open creates it).
	`CREATE TABLE IF NOT EXISTS repair_queue (
		slot bigint,
		due timestamp,
		data_id text,
		idx int,
		zone int,
		del boolean,
		placement text,
		attempts int,
		PRIMARY KEY ((slot), due, data_id, idx, zone, del)
	) WITH compaction = {'class': 'SizeTieredCompactionStrategy',
	                     'unchecked_tombstone_compaction': 'true',
	                     'tombstone_threshold': '0.2'}
	  AND gc_grace_seconds = 10800`,
	// 8: completions, how a multipart upload ended, kept for a while by a
	// TTL on each row (so a retried complete or abort gets the same answer).
	`CREATE TABLE IF NOT EXISTS completions (
		upload_id text PRIMARY KEY,
		data blob
	) WITH gc_grace_seconds = 10800`,
	// 9: rebuilds, one row per zone being (or last) rebuilt; version is
	// the compare-and-set column of its lightweight transactions.
	`CREATE TABLE IF NOT EXISTS rebuilds (
		zone text PRIMARY KEY,
		version bigint,
		state blob
	)`,
	// 10-12: versioning. A key's versions are rows of the objects table
	// in the key's own partition, under clustering keys that sort after
	// every object key (0xFF | esc(key) | order(version id), see
	// versions.go); the head row (the key itself) holds the latest
	// version and null_vid, the id of the key's null version.
	`ALTER TABLE objects ADD IF NOT EXISTS null_vid text`,
	`ALTER TABLE buckets ADD IF NOT EXISTS (object_lock boolean, configs map<text, blob>, rev bigint)`,
	// 12: leases, named claims shared by gateways (the lifecycle worker).
	`CREATE TABLE IF NOT EXISTS leases (
		name text PRIMARY KEY,
		owner text,
		until timestamp,
		state text,
		rev bigint
	)`,
	// 13-15: identities shared by every gateway (identities.go): users,
	// their access keys (secrets sealed by the gateway, never in the
	// clear) and the identity layer's settings (the bootstrap root key,
	// the check value of the sealing key).
	`CREATE TABLE IF NOT EXISTS users (
		name text PRIMARY KEY,
		owner text,
		display_name text,
		canonical_id text,
		status text,
		created timestamp,
		policy blob,
		rev bigint
	)`,
	`CREATE TABLE IF NOT EXISTS access_keys (
		access_key text PRIMARY KEY,
		user_name text,
		secret blob,
		status text,
		created timestamp
	)`,
	`CREATE TABLE IF NOT EXISTS identity_settings (
		name text PRIMARY KEY,
		value blob
	)`,
}
