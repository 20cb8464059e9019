package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/internal/store"
)

const relaysUsage = `relays [-wait DUR] [-until STATE]
  prints the SMS relay queue of the script's store as "queued=N sending=N sent=N failed=N unknown=N checking=N";
  -until waits (at most -wait, default 10s) until a relay is in STATE, else until none is queued
  or being sent when -wait is given`

// cmdRelays shows the relay queue of vnum serve, waiting for it to reach a state: scripts cannot
// loop, and a relay is sent in the background.
func cmdRelays(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("relays cannot be negated")
	}
	fs := flag.NewFlagSet("relays", flag.ContinueOnError)
	wait := fs.Duration("wait", 0, "")
	until := fs.String("until", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		ts.Fatalf("usage:\n%s", relaysUsage)
	}
	if *until != "" && *wait == 0 {
		*wait = 10 * time.Second
	}
	st, err := store.Open(filepath.Join(ts.Getenv("VNUM_DATA_DIR"), "vnum.db"))
	ts.Check(err)
	defer st.Close()
	deadline := time.Now().Add(*wait)
	for {
		counts := map[string]int{}
		rs, err := st.ListRelays(context.Background())
		ts.Check(err)
		for _, r := range rs {
			counts[r.State]++
		}
		done := *wait == 0 || time.Now().After(deadline)
		switch {
		case *until != "":
			done = done || counts[*until] > 0
		default:
			done = done || counts[store.RelayQueued]+counts[store.RelaySending]+counts[store.RelayChecking] == 0
		}
		if done {
			fmt.Fprintf(ts.Stdout(), "queued=%d sending=%d sent=%d failed=%d unknown=%d checking=%d\n", counts[store.RelayQueued],
				counts[store.RelaySending], counts[store.RelaySent], counts[store.RelayFailed], counts[store.RelayUnknown],
				counts[store.RelayChecking])
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
