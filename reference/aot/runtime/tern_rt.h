/* The Tern AOT runtime: the C half of every executable `tern build` makes.
 * Compiled code keeps ints, floats and bools unboxed; it calls in here only
 * for strings, arrays, records, printing, conversions and runtime errors.
 *
 * Every value occupies one 8-byte slot: an int, the bits of a float, a bool
 * (0/1), or a pointer (nil is 0). The compiler passes a *type descriptor*
 * wherever the runtime must interpret a slot:
 *   i int · f float · b bool · s str · n nil · [T array of T · S<id>; record of struct <id>
 *
 * Memory: strings, arrays and records are garbage collected by a
 * conservative mark-sweep collector (gc.c section of tern_rt.c). Roots are the
 * native stack, the callee-saved registers and the module globals
 * (`tern_globals`, emitted by the compiler); heap objects are scanned for
 * anything that looks like a pointer into another object. */
#ifndef TERN_RT_H
#define TERN_RT_H

#include <stdint.h>

/* Layouts shared with the compiler (reference/aot/src/layout.rs). */
/* A string is immutable. Its bytes follow the header inline (`bytes` NULL:
 * literals and most runtime results) or live in a growable buffer shared
 * with the strings it was appended to (`s + x` writes x after s in place when
 * s ends exactly where the buffer's used part ends and there is room, so
 * `s = s + x` in a loop is amortised O(len x)). Nothing ever rewrites bytes
 * below a buffer's `used` mark, so every string sharing it stays intact. */
typedef struct TernBuf {
    int64_t cap;
    int64_t used;
    char data[];
} TernBuf;

typedef struct TernStr {
    int64_t len;    /* bytes */
    int64_t nchars; /* Unicode scalar values */
    char *bytes;    /* NULL: the bytes follow this header (UTF-8, not NUL-terminated) */
    TernBuf *buf;   /* the shared buffer `bytes` points into, or NULL */
} TernStr;

typedef struct TernArr {
    int64_t len;
    int64_t cap;
    int64_t *data;
} TernArr;

typedef struct TernRec {
    int64_t sid;
    int64_t fields[];
} TernRec;

/* Emitted by the compiler into every program object. */
extern void tern_main(int64_t depth); /* depth of <main>: 0 */
extern int64_t tern_globals[];   /* module globals: GC roots */
extern const int64_t tern_nglobals;
extern int64_t tern_depth;       /* depth of the failing frame; compiled code stores it before reporting */
extern int32_t tern_stack[];     /* call-site id of each active frame */
extern const char tern_sites[];  /* one line per site: func\tfile\tline\tcol\tmessage */
extern const char tern_structs[];/* one line per struct: Name\tfield\tdesc\tfield\tdesc... */

#define TERN_MAX_DEPTH 10000

void tern_print(int64_t bits, const char *desc);
TernStr *tern_to_str(int64_t bits, const char *desc);
TernStr *tern_str_concat(const TernStr *a, const TernStr *b);
int64_t tern_str_eq(const TernStr *a, const TernStr *b);
int64_t tern_str_cmp(const TernStr *a, const TernStr *b);
int64_t tern_str_len(const TernStr *s);
TernArr *tern_arr_new(int64_t len);
void tern_arr_push(TernArr *a, int64_t v, int32_t site);
TernRec *tern_rec_new(int64_t sid, int64_t nfields);
int64_t tern_int_of_float(double x, int32_t site);
TernStr *tern_fixed(double x, int64_t digits, int32_t site);
int64_t tern_clock(void);
/* code: the number of an E-code (601 for E0601); a, b: operands the message needs. */
void tern_error(int32_t code, int32_t site, int64_t a, int64_t b) __attribute__((noreturn));

#endif
