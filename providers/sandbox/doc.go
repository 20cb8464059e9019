// Package sandbox is vnum's built-in carrier: a local simulation of a real one, so anyone can try
// every vnum command and test their scripts without an account or money.
//
// It behaves like a remote carrier, not like vnum's own records: it keeps its own state in
// sandbox.db (SQLite, mode 0600) in vnum's data directory, which many vnum processes may use at
// once, and it answers with the errors real carriers give (*providers.Error wrapping the
// providers sentinels). Numbers are bought, listed, forwarded, labelled and released; SMS are
// sent and listed; `vnum sandbox receive` (Provider.Deliver) makes an SMS arrive. Nothing ever
// leaves the machine: the sandbox dials nobody and sends nothing.
//
// # Which numbers it sells
//
// Every number the sandbox offers is valid for its country and type according to libphonenumber
// (github.com/nyaruka/phonenumbers), and is chosen so that it is not a real subscriber's number:
//
//   - Where the regulator reserves numbers for fiction or documentation and libphonenumber
//     accepts them, the sandbox sells only those:
//     United Kingdom (Ofcom drama numbers): local 020 7946 0xxx (London), 0113/0114/0116/0117/0118
//     496 0xxx, 0121/0131/0141/0151/0161 496 0xxx, 0191 498 0xxx, 028 9649 6xxx, 029 2018 0xxx;
//     national 03069 990xxx; toll-free 08081 570xxx.
//     France (ARCEP, numbers for audiovisual works): local 01 99 00 xx xx, 02 61 91 xx xx,
//     03 53 01 xx xx, 04 65 71 xx xx, 05 36 49 xx xx.
//     United States and Canada (NANP 555-0100 to 555-0199): local and mobile 555-01xx in a few
//     area codes each (US 202, 212, 312, 415, 617 local and 310, 646, 773 mobile; CA 416, 514,
//     604 local and 647, 438, 778 mobile), toll-free 800/888 555-01xx (US), 833/844 555-01xx (CA).
//     Australia (ACMA, numbers for creative works): local (0x) 5550 xxxx and (0x) 7010 xxxx in
//     areas 2, 3, 7 and 8; the individually reserved mobiles 0491 57x xxx; toll-free 1800 160 401
//     and 1800 975 707 to 711.
//   - Some reserved ranges are not valid for libphonenumber, so the sandbox cannot use them:
//     Ofcom's mobile 07700 900xxx, Nottingham 0115 496 0xxx and 01632 960xxx, and ARCEP's mobile
//     06 39 98 xx xx.
//   - Everywhere else, and for the types above without a usable fiction range (British and French
//     mobiles, French national and toll-free numbers, …), the sandbox takes libphonenumber's
//     example number for that country and type and varies its last three digits, keeping only
//     the valid results. These may be real numbers. That is safe because the sandbox never dials,
//     texts or otherwise contacts a number: it only records that it "owns" it in a local file.
//   - A country and type for which libphonenumber has no example number (US national numbers,
//     for one) has nothing for sale: search finds nothing and buy reports ErrOutOfStock.
//
// Each number has exactly one type. Features follow real carriers: toll-free numbers take calls
// only, every other number takes calls and SMS, and North American local and mobile numbers MMS.
//
// # Prices
//
// Monthly prices are plausible and fixed per currency family and type: EUR in the euro area
// (local 1.00, mobile 1.15, national 1.25), GBP in the United Kingdom (1.00), USD in the United
// States and Canada (1.15) and everywhere else (local and national 3.00, mobile 4.50). Toll-free
// numbers cost 2.00 in every currency. Golden numbers, whose last three digits repeat (…777) or
// whose last four run up or down (…1234, …4321), cost five times as much. No number needs
// paperwork unless VNUM_SANDBOX_PAPERWORK says so.
//
// # Failure injection
//
// VNUM_SANDBOX_LATENCY, VNUM_SANDBOX_FAIL, VNUM_SANDBOX_APPROVAL and VNUM_SANDBOX_PAPERWORK
// make the sandbox slow, refuse operations, lose answers, hold numbers for documents and demand
// paperwork, so scripts and vnum itself can test their error paths; see the Env* constants.
package sandbox
