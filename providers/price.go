package providers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Price is an amount of money kept exactly, in millionths of the currency unit, so totals over many
// numbers do not drift and carriers' "1.15000" strings round-trip.
type Price struct {
	Micros   int64  // 1.25 EUR = 1_250_000
	Currency string // ISO 4217, upper case; "" only for a zero price of unknown currency
}

const microsPerUnit = 1_000_000

// ParsePrice reads a non-negative decimal amount such as "1", "1.5" or "1.15000" (at most six
// decimals), as carriers and users write them.
func ParsePrice(amount, currency string) (Price, error) {
	s := strings.TrimSpace(amount)
	if s == "" {
		return Price{}, errors.New("empty amount")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if !allDigits(whole) || !allDigits(frac) || (frac == "" && strings.HasSuffix(s, ".")) {
		return Price{}, fmt.Errorf("%q is not an amount like 2.50", amount)
	}
	if len(frac) > 6 {
		frac = strings.TrimRight(frac, "0")
		if len(frac) > 6 {
			return Price{}, fmt.Errorf("%q has more than six decimals", amount)
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/microsPerUnit-1 {
		return Price{}, fmt.Errorf("%q is too large", amount)
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	return Price{Micros: w*microsPerUnit + f, Currency: strings.ToUpper(strings.TrimSpace(currency))}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Amount formats the amount with at least two decimals and no trailing zeros beyond them:
// 1.5 → "1.50", 1.15 → "1.15", 0.0075 → "0.0075".
func (p Price) Amount() string {
	sign := ""
	m := p.Micros
	if m < 0 {
		sign, m = "-", -m
	}
	frac := strings.TrimRight(fmt.Sprintf("%06d", m%microsPerUnit), "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return fmt.Sprintf("%s%d.%s", sign, m/microsPerUnit, frac)
}

// String is "1.50 EUR".
func (p Price) String() string {
	if p.Currency == "" {
		return p.Amount()
	}
	return p.Amount() + " " + p.Currency
}

// IsZero reports whether the price is nothing (unknown or free).
func (p Price) IsZero() bool { return p.Micros == 0 }

// Known reports whether the carrier told the price: a free number has a currency, an unknown
// price has none.
func (p Price) Known() bool { return p.Currency != "" || p.Micros != 0 }
