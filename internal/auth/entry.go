package auth

import (
	"encoding/json"
	"fmt"
	"time"
)

// verifiedAtKey holds, next to the credential values, when the carrier last accepted them.
const verifiedAtKey = "verified_at"

// encodeEntry is the stored form of a credential, in the keyring and in the insecure file: one
// flat JSON object of its values plus verified_at.
func encodeEntry(c Credential) map[string]string {
	e := make(map[string]string, len(c.Values)+1)
	for k, v := range c.Values {
		e[k] = v
	}
	if !c.VerifiedAt.IsZero() {
		e[verifiedAtKey] = c.VerifiedAt.UTC().Format(time.RFC3339)
	}
	return e
}

// corruptEntryError means a stored entry cannot be used. Its text names the entry, never its
// content.
type corruptEntryError struct {
	where   string // "keyring entry vnum:twilio/default"
	problem string
	fix     string
}

func (e *corruptEntryError) Error() string {
	return fmt.Sprintf("%s %s: run `%s` again", e.where, e.problem, e.fix)
}

// decodeEntry turns a stored entry back into a credential of carrier c.
func decodeEntry(c carrier, profile string, e map[string]string, source Source, where string) (Credential, error) {
	fix := "vnum auth login " + c.Name
	if profile != DefaultProfile {
		fix += " --profile " + profile
	}
	values := Values{}
	var verifiedAt time.Time
	for k, v := range e {
		if k == verifiedAtKey {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return Credential{}, &corruptEntryError{where: where, problem: "has an invalid verified_at", fix: fix}
			}
			verifiedAt = t
			continue
		}
		values[k] = v
	}
	s, ok := c.match(values)
	if !ok {
		return Credential{}, &corruptEntryError{where: where, problem: "does not hold complete " + c.Name + " credentials", fix: fix}
	}
	return Credential{
		Provider:   c.Name,
		Profile:    profile,
		Values:     values,
		Source:     source,
		Account:    values[s.Account],
		VerifiedAt: verifiedAt,
	}, nil
}

// unmarshalEntry parses a keyring value. A JSON syntax error quotes the offending character, which
// could be part of a secret, so the parser's message is not passed on.
func unmarshalEntry(data string, c carrier, profile string, where string) (map[string]string, error) {
	var e map[string]string
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		fix := "vnum auth login " + c.Name
		if profile != DefaultProfile {
			fix += " --profile " + profile
		}
		return nil, &corruptEntryError{where: where, problem: "is not a vnum credential (invalid JSON)", fix: fix}
	}
	return e, nil
}
