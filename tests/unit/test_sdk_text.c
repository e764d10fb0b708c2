/*
 * test_sdk_text.c — the SDK's header-only text helpers shared by every
 * record writer and reader: UTF-8 validation (perp/utf8.h, RFC 3629 and
 * Unicode's Table 3-7 of well-formed byte sequences) and the fill cause
 * names (perp/sdk.h), whose spelling the PostgreSQL table's CHECK, the
 * JSONL records and the backtest hash share.
 */
#include <criterion/criterion.h>

#include <string.h>

#include <perp/sdk.h>
#include <perp/utf8.h>

typedef struct seq {
    const char *bytes;
    size_t len;
    size_t want; /* perp_utf8_len of the first sequence, 0 = not one */
    const char *what;
} seq;

/* Table 3-7's bounds on each side, and the classic ill-formed cases. */
static const seq SEQS[] = {
    {"A", 1, 1, "ASCII"},
    {"\x7f", 1, 1, "DEL, last one-byte"},
    {"\xc2\x80", 2, 2, "U+0080, first two-byte"},
    {"\xdf\xbf", 2, 2, "U+07FF"},
    {"\xc0\xaf", 2, 0, "overlong '/'"},
    {"\xc1\xbf", 2, 0, "overlong U+007F"},
    {"\xe0\xa0\x80", 3, 3, "U+0800"},
    {"\xe0\x9f\xbf", 3, 0, "overlong U+07FF in three bytes"},
    {"\xed\x9f\xbf", 3, 3, "U+D7FF, before the surrogates"},
    {"\xed\xa0\x80", 3, 0, "U+D800, a surrogate"},
    {"\xee\x80\x80", 3, 3, "U+E000"},
    {"\xe2\x80\xa6", 3, 3, "U+2026, the ellipsis"},
    {"\xf0\x90\x80\x80", 4, 4, "U+10000"},
    {"\xf0\x8f\xbf\xbf", 4, 0, "overlong U+FFFF in four bytes"},
    {"\xf4\x8f\xbf\xbf", 4, 4, "U+10FFFF, the last"},
    {"\xf4\x90\x80\x80", 4, 0, "U+110000, past Unicode"},
    {"\xf5\x80\x80\x80", 4, 0, "lead byte F5"},
    {"\x80", 1, 0, "a lone continuation byte"},
    {"\xe2\x80", 2, 0, "cut short (a truncation at a byte limit)"},
    {"\xe2\x28\xa1", 3, 0, "second byte not a continuation"},
    {"\xff", 1, 0, "FF"},
};

Test(sdk_utf8, each_sequence_as_unicode_table_3_7_says)
{
    for (size_t i = 0; i < sizeof SEQS / sizeof SEQS[0]; i++) {
        const seq *s = &SEQS[i];
        cr_assert_eq(perp_utf8_len((const unsigned char *)s->bytes, s->len),
                     s->want, "%s: got %zu, want %zu", s->what,
                     perp_utf8_len((const unsigned char *)s->bytes, s->len),
                     s->want);
    }
}

Test(sdk_utf8, a_sequence_longer_than_what_is_left_is_not_one)
{
    const unsigned char ell[] = {0xe2, 0x80, 0xa6};
    cr_assert_eq(perp_utf8_len(ell, 3), 3);
    cr_assert_eq(perp_utf8_len(ell, 2), 0, "only two bytes may be read");
    cr_assert_eq(perp_utf8_len(ell, 1), 0);
}

Test(sdk_cause, names_round_trip_and_strays_have_none)
{
    static const char *const want[] = {
        "entry", "exit", "flip", "stop_loss", "take_profit", "liquidation"};
    for (int c = PERP_CAUSE_ENTRY; c <= PERP_CAUSE_LIQUIDATION; c++) {
        cr_assert_str_eq(perp_fill_cause_name((perp_fill_cause)c), want[c]);
        cr_assert_eq(perp_fill_cause_parse(want[c]), c);
    }
    cr_assert_null(perp_fill_cause_name((perp_fill_cause)6));
    cr_assert_null(perp_fill_cause_name((perp_fill_cause)-1));
    cr_assert_eq(perp_fill_cause_parse("Exit"), -1, "spelling is exact");
    cr_assert_eq(perp_fill_cause_parse(""), -1);
    cr_assert_eq(perp_fill_cause_parse(NULL), -1);
}
