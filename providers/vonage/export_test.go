package vonage

import "time"

// SetRetryBackoff makes the retries of reads quick, for tests of what they retry.
func SetRetryBackoff(p *Provider, d time.Duration) { p.retry.Backoff = d }

// SetPageSize shrinks the pages List reads, for tests of paging.
func SetPageSize(p *Provider, n int) { p.pageSize = n }
