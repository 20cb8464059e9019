package keyring_test

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/keyring/keyringtest"
)

const testSecret = "s3cr3t-TEST-7f1c9a" // a fake secret the tests search for

// blockingBackend never answers until released, like a locked Secret Service.
type blockingBackend struct {
	release chan struct{}
	active  atomic.Int32
}

func newBlocking(t *testing.T) *blockingBackend {
	t.Helper()
	b := &blockingBackend{release: make(chan struct{})}
	t.Cleanup(func() {
		close(b.release)
		// No blocked call outlives the test.
		require.Eventually(t, func() bool { return b.active.Load() == 0 }, 5*time.Second, time.Millisecond)
	})
	return b
}

func (b *blockingBackend) wait() {
	b.active.Add(1)
	defer b.active.Add(-1)
	<-b.release
}
func (b *blockingBackend) Get(string, string) (string, error) { b.wait(); return "", nil }
func (b *blockingBackend) Set(string, string, string) error   { b.wait(); return nil }
func (b *blockingBackend) Delete(string, string) error        { b.wait(); return nil }

// errBackend fails every call with err.
type errBackend struct{ err error }

func (b errBackend) Get(string, string) (string, error) { return "", b.err }
func (b errBackend) Set(string, string, string) error   { return b.err }
func (b errBackend) Delete(string, string) error        { return b.err }

func TestMockRoundTrip(t *testing.T) {
	keyring.MockInit()
	k := keyring.New()

	_, err := k.Get("vnum:twilio", "default")
	require.ErrorIs(t, err, keyring.ErrNotFound, "an empty keyring has nothing")

	require.NoError(t, k.Set("vnum:twilio", "default", testSecret))
	require.NoError(t, k.Set("vnum:twilio", "work", "other"))
	got, err := k.Get("vnum:twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, testSecret, got)

	require.NoError(t, k.Set("vnum:twilio", "default", "replaced"))
	got, err = k.Get("vnum:twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, "replaced", got, "set replaces")

	require.NoError(t, k.Delete("vnum:twilio", "default"))
	_, err = k.Get("vnum:twilio", "default")
	require.ErrorIs(t, err, keyring.ErrNotFound)
	require.ErrorIs(t, k.Delete("vnum:twilio", "default"), keyring.ErrNotFound, "deleting twice is not found")

	got, err = k.Get("vnum:twilio", "work")
	require.NoError(t, err)
	assert.Equal(t, "other", got, "other users are untouched")
}

func TestMockFailures(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantText string
	}{
		{"no D-Bus", errors.New("dbus: DBUS_SESSION_BUS_ADDRESS not set"), "DBUS_SESSION_BUS_ADDRESS"},
		{"unsupported platform", errors.New("unsupported platform: plan9"), "unsupported platform"},
		{"secret in the error text", errors.New("failed to store " + testSecret), "withheld"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInitWithError(tt.err)
			t.Cleanup(keyring.MockInit)
			k := keyring.New()

			err := k.Set("vnum:twilio", "default", testSecret)
			require.Error(t, err)
			assert.NotErrorIs(t, err, keyring.ErrNotFound, "a broken keyring is not an empty one")
			assert.Contains(t, err.Error(), tt.wantText)
			assert.NotContains(t, err.Error(), testSecret)

			_, err = k.Get("vnum:twilio", "default")
			require.Error(t, err)
			assert.NotErrorIs(t, err, keyring.ErrNotFound)

			err = k.Delete("vnum:twilio", "default")
			require.Error(t, err)
			assert.NotErrorIs(t, err, keyring.ErrNotFound)
		})
	}
}

func TestTimeout(t *testing.T) {
	b := newBlocking(t)
	k := keyring.New(keyring.WithBackend(b), keyring.WithTimeout(50*time.Millisecond))

	start := time.Now()
	err := k.Set("vnum:twilio", "default", testSecret)
	elapsed := time.Since(start)
	var te *keyring.TimeoutError
	require.ErrorAs(t, err, &te)
	assert.False(t, te.Stuck)
	assert.Equal(t, "set", te.Op)
	assert.GreaterOrEqual(t, elapsed, 50*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
	assert.NotContains(t, err.Error(), testSecret)

	// While the first call is still blocked, the next ones fail at once instead of each waiting.
	start = time.Now()
	_, err = k.Get("vnum:twilio", "default")
	require.ErrorAs(t, err, &te)
	assert.True(t, te.Stuck)
	assert.Less(t, time.Since(start), 40*time.Millisecond)
	require.ErrorAs(t, k.Delete("vnum:twilio", "default"), &te)
}

func TestRecoversWhenStuckCallReturns(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	block := true
	b := &funcBackend{get: func() (string, error) {
		mu.Lock()
		blocking := block
		mu.Unlock()
		if blocking {
			<-release
		}
		return "value", nil
	}}
	k := keyring.New(keyring.WithBackend(b), keyring.WithTimeout(30*time.Millisecond))

	_, err := k.Get("s", "u")
	var te *keyring.TimeoutError
	require.ErrorAs(t, err, &te)

	mu.Lock()
	block = false
	mu.Unlock()
	close(release) // the stuck call returns

	require.Eventually(t, func() bool {
		v, err := k.Get("s", "u")
		return err == nil && v == "value"
	}, 2*time.Second, 5*time.Millisecond, "once the stuck call returned, the keyring is used again")
}

type funcBackend struct{ get func() (string, error) }

func (b *funcBackend) Get(string, string) (string, error) { return b.get() }
func (b *funcBackend) Set(string, string, string) error   { return nil }
func (b *funcBackend) Delete(string, string) error        { return nil }

func TestConcurrentUse(t *testing.T) {
	keyring.MockInit()
	k := keyring.New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			user := string(rune('a' + i))
			assert.NoError(t, k.Set("vnum:test", user, user))
			v, err := k.Get("vnum:test", user)
			assert.NoError(t, err)
			assert.Equal(t, user, v)
		})
	}
	wg.Wait()
}

func TestBackendErrorsAreWrapped(t *testing.T) {
	cause := errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	k := keyring.New(keyring.WithBackend(errBackend{err: cause}))
	_, err := k.Get("vnum:twilio", "default")
	require.ErrorIs(t, err, cause)
	assert.Contains(t, err.Error(), "keyring get")
}

// TestKeyringNoSessionBus runs the real OS keyring with a D-Bus address that leads nowhere (an
// explicit address also stops godbus from autolaunching a bus that would outlive the test), and
// checks that it fails quickly with an error that is not "not found".
func TestKeyringNoSessionBus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	if !keyringtest.InChild(t, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus")) {
		return
	}
	k := keyring.New()
	start := time.Now()
	_, err := k.Get("vnum:twilio", "default")
	require.Error(t, err)
	assert.NotErrorIs(t, err, keyring.ErrNotFound)
	err = k.Set("vnum:twilio", "default", testSecret)
	require.Error(t, err, "set succeeded without a keyring")
	assert.NotContains(t, err.Error(), testSecret)
	assert.Less(t, time.Since(start), 5*time.Second, "no keyring must be reported quickly")
}
