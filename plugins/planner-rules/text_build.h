/*
 * text_build.h — justification texts without printf on the rule's hot
 * path. The rule writes a hold for every market every minute; its most
 * common texts are a few words around one or two numbers with two
 * decimals, and glibc's float formatting cost more than the rule itself.
 *
 * text_fixed2 gives exactly what printf("%.2f") / ("%+.2f") gives, for
 * every value within err of x, or says it cannot be sure: then the caller
 * formats the exact value with snprintf. It is sure when x * 100 is far
 * enough from a rounding boundary (a half between two hundredths) that no
 * value within err, and no rounding of the multiplication, crosses it, and
 * when the sign is certain.
 */
#ifndef RULES_TEXT_BUILD_H
#define RULES_TEXT_BUILD_H

#include <stddef.h>

/* Writes the text of x with two decimals (a '+' before a positive one
 * when plus) into out (at least TEXT_FIXED2_MAX bytes); its length, or
 * -1 when some value within err of x (err >= 0) could print otherwise,
 * or |x| is too large for the fast path. */
#define TEXT_FIXED2_MAX 24
int text_fixed2(char *out, double x, double err, int plus);

/* A bounded text being built: never past cap - 1 characters, always
 * NUL-terminated; what does not fit is cut off. */
typedef struct text_build {
    char *s;
    size_t len, cap;
} text_build;

void text_start(text_build *t, char *buf, size_t cap);
void text_put(text_build *t, const char *s);
/* Appends x as printf("%.2f"/"%+.2f") would (snprintf when text_fixed2
 * is not sure). */
void text_put_fixed2(text_build *t, double x, int plus);

#endif
