package mem_test

import (
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/storetest"
)

func newDriver(*testing.T) blobstore.Driver { return mem.New() }

func TestDriver(t *testing.T) { storetest.Run(t, newDriver) }

func TestStore(t *testing.T) { storetest.RunStore(t, newDriver) }
