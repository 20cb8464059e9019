package phone

import "strings"

// CountryName returns the English name of a region code ("FR" or "fr" → "France"), or cc itself
// when it is not one of the countries carriers commonly sell numbers in. A switch rather than a
// map keeps the table out of package state.
func CountryName(cc string) string {
	code := strings.ToUpper(strings.TrimSpace(cc))
	switch code {
	case "AE":
		return "United Arab Emirates"
	case "AR":
		return "Argentina"
	case "AT":
		return "Austria"
	case "AU":
		return "Australia"
	case "BE":
		return "Belgium"
	case "BG":
		return "Bulgaria"
	case "BR":
		return "Brazil"
	case "CA":
		return "Canada"
	case "CH":
		return "Switzerland"
	case "CL":
		return "Chile"
	case "CN":
		return "China"
	case "CO":
		return "Colombia"
	case "CY":
		return "Cyprus"
	case "CZ":
		return "Czechia"
	case "DE":
		return "Germany"
	case "DK":
		return "Denmark"
	case "DZ":
		return "Algeria"
	case "EE":
		return "Estonia"
	case "EG":
		return "Egypt"
	case "ES":
		return "Spain"
	case "FI":
		return "Finland"
	case "FR":
		return "France"
	case "GB":
		return "United Kingdom"
	case "GR":
		return "Greece"
	case "HK":
		return "Hong Kong"
	case "HR":
		return "Croatia"
	case "HU":
		return "Hungary"
	case "ID":
		return "Indonesia"
	case "IE":
		return "Ireland"
	case "IL":
		return "Israel"
	case "IN":
		return "India"
	case "IS":
		return "Iceland"
	case "IT":
		return "Italy"
	case "JP":
		return "Japan"
	case "KE":
		return "Kenya"
	case "KR":
		return "South Korea"
	case "LT":
		return "Lithuania"
	case "LU":
		return "Luxembourg"
	case "LV":
		return "Latvia"
	case "MA":
		return "Morocco"
	case "MT":
		return "Malta"
	case "MX":
		return "Mexico"
	case "MY":
		return "Malaysia"
	case "NG":
		return "Nigeria"
	case "NL":
		return "Netherlands"
	case "NO":
		return "Norway"
	case "NZ":
		return "New Zealand"
	case "PE":
		return "Peru"
	case "PH":
		return "Philippines"
	case "PK":
		return "Pakistan"
	case "PL":
		return "Poland"
	case "PR":
		return "Puerto Rico"
	case "PT":
		return "Portugal"
	case "RO":
		return "Romania"
	case "RS":
		return "Serbia"
	case "SA":
		return "Saudi Arabia"
	case "SE":
		return "Sweden"
	case "SG":
		return "Singapore"
	case "SI":
		return "Slovenia"
	case "SK":
		return "Slovakia"
	case "TH":
		return "Thailand"
	case "TN":
		return "Tunisia"
	case "TR":
		return "Turkey"
	case "TW":
		return "Taiwan"
	case "UA":
		return "Ukraine"
	case "US":
		return "United States"
	case "VN":
		return "Vietnam"
	case "ZA":
		return "South Africa"
	default:
		return cc
	}
}
