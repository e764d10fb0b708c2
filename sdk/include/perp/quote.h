/*
 * perp/quote.h — a value as it appears in an error line, header only.
 *
 * An error quotes what it refused, but a value can be 100,000 bytes (a
 * path of slashes, a pasted document): printed whole it drowns the line,
 * cut at the end it pushes the reason off. These helpers keep the head and
 * the tail of a long value and say how long it was, so every error line
 * stays short and still ends with its reason:
 *     '/////…(100000 bytes)…/////'
 * Control characters (a newline in a value would split the log line) show
 * as '?'. Cuts never split a UTF-8 character. No allocation, no libc
 * beyond <string.h> and <stdio.h>.
 *
 * Usage: char q[PERP_QUOTE_LEN];
 *        h->log(h, PERP_LOG_ERROR, "cannot open %s: %s",
 *               perp_quote(path, q, sizeof q), strerror(errno));
 */
#ifndef PERP_QUOTE_H
#define PERP_QUOTE_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A buffer this size keeps about 40 bytes of each end of a long value. */
#define PERP_QUOTE_LEN 112

/* The ellipsis, U+2026, in UTF-8. */
#define PERP_QUOTE_ELLIPSIS "\xe2\x80\xa6"

/* Copies n bytes of src to dst, control characters as '?'. */
static inline void perp_quote_copy_(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
}

/* Shared body: q is "'" or "". */
static inline const char *perp_quote_with_(const char *s, char *buf, size_t len,
                                           const char *q)
{
    if (!buf || len == 0)
        return "";
    if (!s)
        s = "";
    size_t n = strlen(s), ql = strlen(q);
    if (len < 2 * ql + 1) {
        buf[0] = '\0';
        return buf;
    }
    if (n + 2 * ql < len) {
        memcpy(buf, q, ql);
        perp_quote_copy_(buf + ql, s, n);
        memcpy(buf + ql + n, q, ql);
        buf[n + 2 * ql] = '\0';
        return buf;
    }
    char mid[48];
    int ml = snprintf(mid, sizeof mid,
                      PERP_QUOTE_ELLIPSIS "(%zu bytes)" PERP_QUOTE_ELLIPSIS, n);
    size_t need = 2 * ql + (size_t)ml + 1;
    size_t room = len > need ? len - need : 0;
    if (ml < 0 || room < 2) { /* too small for the marker: plain cut */
        room = len - 2 * ql - 1;
        memcpy(buf, q, ql);
        perp_quote_copy_(buf + ql, s, room);
        memcpy(buf + ql + room, q, ql);
        buf[room + 2 * ql] = '\0';
        return buf;
    }
    size_t head = room - room / 2, tail_at = n - room / 2;
    /* Back the head off, and move the tail on, over continuation bytes
     * (10xxxxxx), so neither end splits a character. */
    while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
        head--;
    while (tail_at < n && ((unsigned char)s[tail_at] & 0xC0) == 0x80)
        tail_at++;
    char *p = buf;
    memcpy(p, q, ql);
    p += ql;
    perp_quote_copy_(p, s, head);
    p += head;
    memcpy(p, mid, (size_t)ml);
    p += ml;
    perp_quote_copy_(p, s + tail_at, n - tail_at);
    p += n - tail_at;
    memcpy(p, q, ql);
    p[ql] = '\0';
    return buf;
}

/* s in single quotes, shortened in the middle to fit len (NUL included).
 * NULL shows as ''. Returns buf, so it can be a printf argument. */
static inline const char *perp_quote(const char *s, char *buf, size_t len)
{
    return perp_quote_with_(s, buf, len, "'");
}

/* The same without quotes: a file name in front of ":line: reason". */
static inline const char *perp_shorten(const char *s, char *buf, size_t len)
{
    return perp_quote_with_(s, buf, len, "");
}

#endif /* PERP_QUOTE_H */
