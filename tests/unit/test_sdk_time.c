/*
 * test_sdk_time.c — sdk/include/perp/time.h: worked values and the forms
 * each PERP_TIME_* flag admits.
 *
 * Day counts used below, worked by hand:
 *   1970-01-01 .. 2000-01-01: 30 years, 7 leap days (1972, 76, 80, 84, 88,
 *     92, 96) = 30 * 365 + 7 = 10957 days.
 *   2000-02-29 = 10957 + 31 (Jan) + 28 (Feb 1..28) = 11016 days.
 *   1970-01-01 .. 2024-01-01: 54 years, 13 leap days (1972 .. 2020) =
 *     54 * 365 + 13 = 19723 days; 2024-03-01 = 19723 + 31 + 29 = 19783.
 *   1900-01-01: 70 years before 1970, 17 leap days (1904 .. 1968; 1900 is
 *     not one) = -(70 * 365 + 17) = -25567 days.
 */
#include <criterion/criterion.h>
#include <perp/time.h>

#define DAY 86400LL

Test(sdk_time, days_from_civil_worked_values)
{
    cr_expect_eq(perp_days_from_civil(1970, 1, 1), 0);
    cr_expect_eq(perp_days_from_civil(1969, 12, 31), -1);
    cr_expect_eq(perp_days_from_civil(2000, 1, 1), 10957);
    cr_expect_eq(perp_days_from_civil(2000, 2, 29), 11016);
    cr_expect_eq(perp_days_from_civil(2024, 1, 1), 19723);
    cr_expect_eq(perp_days_from_civil(2024, 3, 1), 19783);
    cr_expect_eq(perp_days_from_civil(1900, 1, 1), -25567);
}

Test(sdk_time, leap_year_rules)
{
    /* Divisible by 4: leap (2024 has a Feb 29). */
    cr_expect_eq(perp_days_from_civil(2024, 3, 1) -
                     perp_days_from_civil(2024, 2, 28),
                 2);
    /* Divisible by 100 but not 400: not leap. */
    cr_expect_eq(perp_days_from_civil(1900, 3, 1) -
                     perp_days_from_civil(1900, 2, 28),
                 1);
    cr_expect_eq(perp_days_from_civil(2100, 3, 1) -
                     perp_days_from_civil(2100, 2, 28),
                 1);
    /* Divisible by 400: leap. */
    cr_expect_eq(perp_days_from_civil(2000, 3, 1) -
                     perp_days_from_civil(2000, 2, 28),
                 2);
    /* A whole 400-year era is 146097 days (97 leap days). */
    cr_expect_eq(perp_days_from_civil(2400, 1, 1) -
                     perp_days_from_civil(2000, 1, 1),
                 146097);
}

Test(sdk_time, rfc3339_worked_values)
{
    int64_t ms = 0;
    cr_assert_eq(perp_time_parse_ms("1970-01-01T00:00:00Z", 0, &ms), 0);
    cr_expect_eq(ms, 0);
    /* 11016 days * 86400 + 12 h * 3600 = 951782400 + 43200 = 951825600 s,
     * plus 500 ms. */
    cr_assert_eq(perp_time_parse_ms("2000-02-29T12:00:00.5Z", 0, &ms), 0);
    cr_expect_eq(ms, 951825600500LL);
    /* 00:00 at +05:30 is the previous day's 18:30 UTC:
     * 19783 * 86400 - 5.5 * 3600 = 1709251200 - 19800 = 1709231400 s. */
    cr_assert_eq(perp_time_parse_ms("2024-03-01T00:00:00+05:30", 0, &ms), 0);
    cr_expect_eq(ms, 1709231400000LL);
    /* 19:00 at -05:00 is midnight UTC: 19723 * 86400 = 1704067200 s. */
    cr_assert_eq(perp_time_parse_ms("2023-12-31T19:00:00-05:00", 0, &ms), 0);
    cr_expect_eq(ms, 1704067200000LL);
    /* Half a second before the epoch. */
    cr_assert_eq(perp_time_parse_ms("1969-12-31T23:59:59.5Z", 0, &ms), 0);
    cr_expect_eq(ms, -500);
    /* Fraction truncated to the millisecond, not rounded. */
    cr_assert_eq(perp_time_parse_ms("1970-01-01T00:00:00.9999Z", 0, &ms), 0);
    cr_expect_eq(ms, 999);
    cr_assert_eq(perp_time_parse_ms("1970-01-01T00:00:00.05Z", 0, &ms), 0);
    cr_expect_eq(ms, 50);
    /* A leap second is the next minute's :00. */
    cr_assert_eq(perp_time_parse_ms("2016-12-31T23:59:60Z", 0, &ms), 0);
    cr_expect_eq(ms, perp_days_from_civil(2017, 1, 1) * DAY * 1000);
}

Test(sdk_time, seconds_are_floored)
{
    int64_t s = 0;
    cr_assert_eq(perp_time_parse_s("2000-02-29T12:00:00.5Z", 0, &s), 0);
    cr_expect_eq(s, 951825600);
    /* -0.5 s floors to -1, not 0. */
    cr_assert_eq(perp_time_parse_s("1969-12-31T23:59:59.5Z", 0, &s), 0);
    cr_expect_eq(s, -1);
}

/* Each form, and the one flag that admits it. */
Test(sdk_time, each_flag_admits_its_form)
{
    static const struct {
        const char *s;
        unsigned flag;
        int64_t want_s;
    } cases[] = {
        {"2024-01-01t00:00:00z", PERP_TIME_LOWERCASE, 19723 * DAY},
        {"2024-01-01 00:00:00Z", PERP_TIME_SPACE, 19723 * DAY},
        {"2024-01-01T01:02Z", PERP_TIME_NO_SECONDS, 19723 * DAY + 3720},
        {"2024-01-01", PERP_TIME_DATE_ONLY, 19723 * DAY},
        {"2024-01-01T00:00:00", PERP_TIME_ZONE_OPTIONAL, 19723 * DAY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t s = 7;
        cr_expect_eq(perp_time_parse_s(cases[i].s, 0, &s), -1,
                     "base form accepted '%s'", cases[i].s);
        cr_expect_eq(s, 7, "'%s' written on failure", cases[i].s);
        cr_assert_eq(perp_time_parse_s(cases[i].s, cases[i].flag, &s), 0,
                     "flag %u refused '%s'", cases[i].flag, cases[i].s);
        cr_expect_eq(s, cases[i].want_s, "'%s'", cases[i].s);
    }
}

Test(sdk_time, zone_after_bare_date_only_when_zone_optional)
{
    int64_t s = 0;
    cr_expect_eq(perp_time_parse_s("2024-01-01Z", PERP_TIME_DATE_ONLY, &s), -1);
    cr_assert_eq(
        perp_time_parse_s("2024-01-01+05:30",
                          PERP_TIME_DATE_ONLY | PERP_TIME_ZONE_OPTIONAL, &s),
        0);
    cr_expect_eq(s, 19723 * DAY - 19800);
    /* A time without a zone is refused unless the zone is optional. */
    cr_expect_eq(
        perp_time_parse_s("2024-01-01T00:00", PERP_TIME_NO_SECONDS, &s), -1);
    cr_assert_eq(perp_time_parse_s("2024-01-01 21:03", PERP_TIME_LENIENT, &s),
                 0);
    cr_expect_eq(s, 19723 * DAY + 21 * 3600 + 3 * 60);
}

Test(sdk_time, malformed_input_is_refused)
{
    static const char *const bad[] = {
        "",
        "2024",
        "2024-1-01",
        "2024-01-1",
        "2024/01/01",
        "2024-00-01T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-00T00:00:00Z",
        "2024-01-32T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:61Z",
        "2024-01-01T0:00:00Z",
        "2024-01-01T00:00:00.Z",
        "2024-01-01T00:00.5Z",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+05:60",
        "2024-01-01T00:00:00+0530",
        "2024-01-01T00:00:00+05",
        "2024-01-01T00:00:00Zjunk",
        "2024-01-01T00:00:00Z ",
        "2024-01-01X00:00:00Z",
        "2024-01-01T",
        "2024-01-01 ",
        "yesterday",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 7;
        cr_expect_eq(perp_time_parse_ms(bad[i], PERP_TIME_LENIENT, &ms), -1,
                     "accepted '%s'", bad[i]);
        cr_expect_eq(ms, 7, "'%s' written on failure", bad[i]);
    }
    int64_t ms = 7;
    cr_expect_eq(perp_time_parse_ms(NULL, PERP_TIME_LENIENT, &ms), -1);
}

Test(sdk_time, no_time_zone_dependence)
{
    int64_t a = 0, b = 1;
    setenv("TZ", "UTC", 1);
    cr_assert_eq(perp_time_parse_s("2024-03-01T00:00:00+05:30", 0, &a), 0);
    setenv("TZ", "Asia/Kolkata", 1);
    cr_assert_eq(perp_time_parse_s("2024-03-01T00:00:00+05:30", 0, &b), 0);
    unsetenv("TZ");
    cr_expect_eq(a, b);
}
