package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	insertCompletion = `INSERT INTO completions (upload_id, data) VALUES (?, ?) USING TTL ?`
	selectCompletion = `SELECT data FROM completions WHERE upload_id = ?`
)

// PutCompletion records c with a TTL of ttl (rounded up to a second), so
// Cassandra drops it by itself.
func (s *Store) PutCompletion(ctx context.Context, c meta.Completion, ttl time.Duration) error {
	if err := s.check(); err != nil {
		return err
	}
	c.Done = c.Done.UTC()
	data, err := encode(c)
	if err != nil {
		return err
	}
	secs := int((ttl + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	err = s.q(ctx, insertCompletion, c.UploadID, data, secs).Idempotent(true).Exec()
	return s.wrap(fmt.Sprintf("put completion %q", c.UploadID), err)
}

// GetCompletion returns the record of uploadID or meta.ErrNotFound.
func (s *Store) GetCompletion(ctx context.Context, uploadID string) (meta.Completion, error) {
	if err := s.check(); err != nil {
		return meta.Completion{}, err
	}
	var data []byte
	err := s.q(ctx, selectCompletion, uploadID).Idempotent(true).Scan(&data)
	if errors.Is(err, gocql.ErrNotFound) {
		return meta.Completion{}, fmt.Errorf("meta/cassandra: completion of %q: %w", uploadID, meta.ErrNotFound)
	}
	if err != nil {
		return meta.Completion{}, s.wrap(fmt.Sprintf("get completion %q", uploadID), err)
	}
	var c meta.Completion
	if err := decode(data, &c); err != nil {
		return meta.Completion{}, err
	}
	return c, nil
}
