/* The Tern AOT runtime: the C half of every executable `tern build` makes.
 * Compiled code keeps ints, floats and bools unboxed; it calls in here only
 * for strings, arrays, records, printing, conversions and runtime errors.
 *
 * Every value occupies one 8-byte slot: an int, the bits of a float, a bool
 * (0/1), or a pointer (nil is 0). The compiler passes a *type descriptor*
 * wherever the runtime must interpret a slot:
 *   i int · f float · b bool · s str · n nil · [T array of T · S<id>; record of struct <id>
 *
 * Memory is never freed (v1 limitation): small objects come from a bump
 * allocator, array storage from malloc/realloc. */
#ifndef TERN_RT_H
#define TERN_RT_H

#include <stdint.h>

/* Layouts shared with the compiler (reference/aot/src/layout.rs). */
typedef struct TernStr {
    int64_t len;    /* bytes */
    int64_t nchars; /* Unicode scalar values */
    char bytes[];   /* UTF-8, NUL-terminated for convenience */
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
extern void tern_main(void);
extern int64_t tern_depth;       /* active Tern frames */
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
