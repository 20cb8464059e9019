package keyring_test

import (
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/keyring/keyringtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/keyring"
)

func TestKeyringSecretService(t *testing.T) {
	keyringtest.RequireReal(t)
	if !keyringtest.InChild(t) {
		return
	}
	k := keyring.New()
	service := "vnum:test-" + t.Name()
	t.Cleanup(func() { _ = k.Delete(service, "default"); _ = k.Delete(service, "work") })

	_, err := k.Get(service, "default")
	require.ErrorIs(t, err, keyring.ErrNotFound, "the real keyring maps not-found")

	start := time.Now()
	require.NoError(t, k.Set(service, "default", testSecret))
	require.NoError(t, k.Set(service, "work", "work-secret"))
	got, err := k.Get(service, "default")
	require.NoError(t, err)
	assert.Equal(t, testSecret, got)

	require.NoError(t, k.Set(service, "default", testSecret+"-2"))
	got, err = k.Get(service, "default")
	require.NoError(t, err)
	assert.Equal(t, testSecret+"-2", got, "set replaces the entry")

	require.NoError(t, k.Delete(service, "default"))
	_, err = k.Get(service, "default")
	require.ErrorIs(t, err, keyring.ErrNotFound)
	require.ErrorIs(t, k.Delete(service, "default"), keyring.ErrNotFound)

	got, err = k.Get(service, "work")
	require.NoError(t, err)
	assert.Equal(t, "work-secret", got)
	assert.Less(t, time.Since(start), 5*time.Second)
}
