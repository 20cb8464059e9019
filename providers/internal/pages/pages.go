// Package pages reads the rest of a carrier's paged list once its first page has told how many
// pages there are: a few at a time, in parallel, kept in page order.
package pages

import "sync"

// Rest fetches pages 2 to last with get, at most limit at a time (limit < 1 means one), and
// returns their records in page order. When pages fail, the error of the lowest-numbered one is
// returned. last < 2 asks for nothing.
func Rest[T any](last, limit int, get func(page int) ([]T, error)) ([]T, error) {
	if last < 2 {
		return nil, nil
	}
	limit = max(limit, 1)
	results := make([][]T, last+1)
	errs := make([]error, last+1)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for n := 2; n <= last; n++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[n], errs[n] = get(n)
		})
	}
	wg.Wait()
	var all []T
	for n := 2; n <= last; n++ {
		if errs[n] != nil {
			return nil, errs[n]
		}
		all = append(all, results[n]...)
	}
	return all, nil
}
