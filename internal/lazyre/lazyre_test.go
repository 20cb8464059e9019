package lazyre

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompiledOnFirstUseOnly(t *testing.T) {
	r := New(`^a(b+)$`)
	assert.Nil(t, r.re, "nothing compiled before first use")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { assert.True(t, r.MatchString("abb")) })
	}
	wg.Wait()
	first := r.Regexp()
	assert.Same(t, first, r.Regexp(), "compiled once")
	assert.Equal(t, []string{"abbb", "bbb"}, r.FindStringSubmatch("abbb"))
	assert.Equal(t, "x", r.ReplaceAllString("ab", "x"))
	assert.Equal(t, `^a(b+)$`, r.String())
}

func TestInvalidPanicsAtFirstUse(t *testing.T) {
	r := New(`(`)
	assert.Panics(t, func() { r.MatchString("x") })
}
