package pages

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

func TestRestKeepsPageOrder(t *testing.T) {
	var calls atomic.Int32
	got, err := Rest(5, 2, func(n int) ([]string, error) {
		calls.Add(1)
		return []string{fmt.Sprintf("%d.a", n), fmt.Sprintf("%d.b", n)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2.a", "2.b", "3.a", "3.b", "4.a", "4.b", "5.a", "5.b"}
	if !slices.Equal(got, want) {
		t.Errorf("Rest = %v, want %v", got, want)
	}
	if calls.Load() != 4 {
		t.Errorf("%d pages fetched, want 4 (pages 2 to 5)", calls.Load())
	}
}

func TestRestFetchesNothingForOnePage(t *testing.T) {
	for _, last := range []int{-1, 0, 1} {
		got, err := Rest(last, 3, func(n int) ([]int, error) {
			t.Errorf("page %d fetched with last=%d", n, last)
			return nil, nil
		})
		if got != nil || err != nil {
			t.Errorf("Rest(%d) = %v, %v; want nil, nil", last, got, err)
		}
	}
}

func TestRestReturnsLowestPagesError(t *testing.T) {
	_, err := Rest(6, 3, func(n int) ([]int, error) {
		if n == 3 || n == 5 {
			return nil, fmt.Errorf("page %d failed", n)
		}
		return []int{n}, nil
	})
	if err == nil || err.Error() != "page 3 failed" {
		t.Errorf("err = %v, want page 3's", err)
	}
}

func TestRestBoundsConcurrency(t *testing.T) {
	var now, most atomic.Int32
	_, err := Rest(20, 3, func(n int) ([]int, error) {
		c := now.Add(1)
		defer now.Add(-1)
		for {
			m := most.Load()
			if c <= m || most.CompareAndSwap(m, c) {
				break
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if most.Load() > 3 {
		t.Errorf("%d pages fetched at once, want at most 3", most.Load())
	}
}
