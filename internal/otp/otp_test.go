package otp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want string // "" means no code
	}{
		// The formats the command promises to handle.
		{"plain", "Your code is 123456", "123456"},
		{"Google G- prefix", "G-482913 is your Google verification code.", "482913"},
		{"dashed halves", "123-456 is your code", "123456"},
		{"Uber with opt-out footer", "Your Uber code: 4821. Reply STOP to unsubscribe", "4821"},
		{"French, spaced halves", "Code de vérification : 738 291", "738291"},
		{"SMS Retriever hash ignored", "<#> 552019 is your Instagram code. abcDEF123xy", "552019"},
		{"alphanumeric next to sign in", "Use 7F3K9Q to sign in", "7F3K9Q"},
		{"leading zeros kept", "Your verification code is 0042", "0042"},

		// Real-world senders.
		{"WhatsApp with a link holding other digits", "Your WhatsApp code: 123-456\nYou can also tap on this link to verify your phone: v.whatsapp.com/987654\nDon't share this code with others", "123456"},
		{"Telegram with login URL", "Telegram code: 54321\n\nYou can also tap on this link to log in:\nhttps://t.me/login/99887", "54321"},
		{"Microsoft", "[Microsoft] Use 1234 as Microsoft account security code", "1234"},
		{"Amazon OTP", "Your Amazon OTP is 839201. Do not share it with anyone.", "839201"},
		{"PayPal with expiry", "PayPal: Your security code is 274913. Your code expires in 10 minutes. Please don't reply.", "274913"},
		{"Facebook FB- prefix", "FB-12345 is your Facebook confirmation code", "12345"},
		{"Discord alphanumeric", "Discord: your security code is 7H2K9P", "7H2K9P"},
		{"temporary password keeps case", "Your temporary password is Xk7pQ2", "Xk7pQ2"},
		{"verify after the code", "Enter 5839 to verify your account", "5839"},
		{"one-time passcode", "Your one-time passcode is 90210", "90210"},
		{"all zeros", "Your PIN: 0000", "0000"},
		{"eight digits in halves", "Your code is 1234 5678", "12345678"},
		{"code on its own line after a colon", "Verification code:\n\n771204\n\nIf you did not request it, ignore this message.", "771204"},
		{"alphanumeric before its keyword", "Use verification code 3F9A2C for Acme authentication", "3F9A2C"},
		{"login code with opt-out", "Acme: 1234 is your login code. Reply HELP for help, STOP to stop.", "1234"},
		{"WebOTP domain line", "Your Acme code is 123456.\n\n@acme.com #123456", "123456"},
		{"newer app hash on its own line", "Your Acme code is 4821\n\nFA+9qCX9VSu", "4821"},

		// Other languages.
		{"German compound", "Ihr Bestätigungscode lautet 482917.", "482917"},
		{"German compound before an alphanumeric code", "Ihr Sicherheitscode: 4KX92B", "4KX92B"},
		{"German TAN", "Ihre TAN für die Überweisung: 583 920", "583920"},
		{"Spanish", "Tu código de verificación es 583920", "583920"},
		{"Spanish, code word last", "Su código es 4821", "4821"},
		{"French, code first", "123456 est votre code de vérification", "123456"},
		{"French with expiry", "Votre code de connexion Acme : 948 120. Il expire dans 5 minutes.", "948120"},
		{"French password", "Votre mot de passe temporaire : 7Kp9Qx", "7Kp9Qx"},

		// The code among other numbers.
		{"time and date after the code", "Your Acme code is 482913. Valid until 14:30 on 12/05.", "482913"},
		{"phone number before the code", "Call +1 (202) 555-0143 if this wasn't you. Code: 8831", "8831"},
		{"price before the code", "Your balance is €1250.00. Code 4821", "4821"},
		{"order number before the code", "Your verification code for order 5521 is 662910", "662910"},
		{"year next to the keyword", "Acme 2024: your code is 482913", "482913"},
		{"reference after the code", "Your code is 123456. Ref: 889900", "123456"},
		{"earlier number on another line", "Acme: parcel 5521 shipped\nYour code is 123456", "123456"},
		{"earlier number in another sentence", "Parcel 5521 shipped. Your code is 123456", "123456"},
		{"sentence ended by a full-width mark", "Parcel 5521 shipped！Your code is 123456", "123456"},
		{"quantity after the code", "Your code is 4821 2 attempts left", "4821"},
		{"time unit next to the code", "Your code expires in 10min: 482913", "482913"},
		{"French time next to the code", "Votre code expire à 14h30 : 482913", "482913"},
		{"no keyword: first 4-8 digit run", "Acme: 384756", "384756"},
		{"no keyword, year skipped", "Acme 2024 - 384756", "384756"},
		{"year is the only code", "Your PIN is 1987", "1987"},
		{"alphanumeric three words from its keyword", "Your code for Acme is 7F3K9Q", "7F3K9Q"},
		{"reference number next to the keyword", "Re #5521: your code is 839201", "839201"},

		// No code.
		{"empty", "", ""},
		{"blank", " \n\t ", ""},
		{"short order number", "Your order #12 shipped", ""},
		{"long order number", "Your order #123456 has shipped", ""},
		{"only a phone number", "Call us on +1 555 123 4567", ""},
		{"only an international number", "+33 6 12 34 56 78", ""},
		{"national freephone", "Call 0800 123 456", ""},
		{"area code in parentheses", "Support line (0345) open 24/7", ""},
		{"time and date", "Meeting moved to 14:30 on 12/05", ""},
		{"prices", "Your bill of €12.50 is due. Pay $5 more for premium", ""},
		{"price with symbol", "Pay $1500 by Friday", ""},
		{"price with currency code", "Total due: 1500 EUR", ""},
		{"reset link", "Reset your password at https://acme.com/reset/839201", ""},
		{"short code to text", "Thanks for subscribing! Reply STOP to 87654 to opt out", ""},
		{"card digits next to PIN", "Your PIN for the card ending in 4821 has been changed", ""},
		{"masked card", "Payment ****4821 approved", ""},
		{"short international number", "Questions? +290 1234", ""},
		{"amount with a thousands separator", "Amount: 125,000 credited", ""},
		{"dashed number that is not two halves", "Parking slot 12-3456 reserved", ""},
		{"app hash holding digits is not a code", "<#> Acme: tap the link to sign in FaqCx/12345", ""},
		{"app hash on its own last line", "Acme: tap the link to sign in\nFaqCx/12345", ""},
		{"11 characters at the end are kept without the hash marks", "Acme: tap the link to sign in FaqCx/12345", "12345"},
		{"ISO date", "Reminder: appointment on 2024-05-12", ""},
		{"a year", "Happy new year 2025 from all of us at Acme", ""},
		{"parcel id", "Your parcel 1Z999AA10123456784 is on its way", ""},
		{"percentage", "Sale: 1000% fun, 20% off everything", ""},
		{"chit-chat", "Hi, it's me. Can you call me back?", ""},
		{"alphanumeric without a keyword", "See you in room 4B12 at 10:30", ""},
		{"account number", "Your account 12345678901 was credited", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Extract(tt.msg)
			assert.Equal(t, tt.want != "", ok, "found a code")
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"Your code is 123456",
		"G-482913 is your Google verification code.",
		"Code de vérification : 738 291",
		"<#> 552019 is your Instagram code. abcDEF123xy",
		"Use 7F3K9Q to sign in",
		"Call +1 (202) 555-0143 if this wasn't you. Code: 8831",
		"Your WhatsApp code: 123-456\nv.whatsapp.com/987654",
		"Ihr Bestätigungscode lautet 482917.",
		"٠١٢٣٤٥ is your code",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		code, ok := Extract(text)
		if !ok {
			assert.Empty(t, code)
			return
		}
		assert.GreaterOrEqual(t, len(code), 4)
		assert.LessOrEqual(t, len(code), 8)
		for _, c := range code {
			assert.True(t, '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z', "%q in %q", c, code)
			assert.True(t, strings.ContainsRune(text, c), "%q of %q not in the text", c, code)
		}
	})
}
