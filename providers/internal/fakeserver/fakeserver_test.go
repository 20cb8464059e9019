package fakeserver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A fault answers as many requests as it was queued for (at least one), faults on a route
// answer in the order they were queued, and routes do not share them.
func TestFaultsAnswerInOrderAndCount(t *testing.T) {
	var q Faults[string, string]
	assert.Nil(t, q.Next("buy"), "nothing queued")
	q.Push("buy", "first", 2)
	q.Push("buy", "second", 0)
	q.Push("search", "other", 1)

	var got []string
	for f := q.Next("buy"); f != nil; f = q.Next("buy") {
		got = append(got, *f)
	}
	assert.Equal(t, []string{"first", "first", "second"}, got, "times 2, then times 0 taken as 1")
	assert.Equal(t, "other", *q.Next("search"))

	q.Push("buy", "cleared", 5)
	q.Clear()
	assert.Nil(t, q.Next("buy"), "Clear drops what was queued")
}

// Counts are per route and reset together; the log is kept across a reset.
func TestRequestsCountAndLog(t *testing.T) {
	var r Requests[string]
	r.Add("buy", "POST /buy")
	r.Add("buy", "POST /buy again")
	r.Add("search", "GET /search")
	assert.Equal(t, 2, r.Hits("buy"))
	assert.Equal(t, 1, r.Hits("search"))
	assert.Equal(t, 3, r.Total())

	r.ResetCounts()
	assert.Zero(t, r.Hits("buy"))
	assert.Zero(t, r.Total())
	r.Add("search", "GET /search again")
	assert.Equal(t, 1, r.Hits("search"))
	assert.Equal(t, []string{"POST /buy", "POST /buy again", "GET /search", "GET /search again"}, r.Logs())
}

func TestProblemsKeepOrder(t *testing.T) {
	var p Problems
	assert.Empty(t, p.All())
	p.Add("a")
	p.Add("b")
	all := p.All()
	all[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, p.All(), "All returns a copy")
}

func TestWaitStopsWhenTheClientGivesUp(t *testing.T) {
	assert.True(t, Wait(t.Context(), time.Millisecond))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.False(t, Wait(ctx, time.Hour))
}
