/* Tern AOT runtime. See tern_rt.h for the value model. */
#include "tern_rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- memory: a conservative mark-sweep collector ----------
 *
 * Every string, array header and record is a GC object: malloc'd with a
 * small header and listed in `objs`. A collection marks everything reachable
 * from the roots (the native stack between the running frame and main's, the
 * callee-saved registers, and the module globals) and frees the rest. Roots
 * and object contents are scanned conservatively: any word that points into
 * an object (its start or inside it) keeps it alive. That needs no help from
 * the compiled code beyond ordinary frames: Cranelift keeps values in
 * registers or stack slots, never hidden. The price is rare false retention
 * (an int that happens to look like an address). */

#include <setjmp.h>

enum { K_STR, K_ARR, K_REC };

typedef struct Obj {
    uint64_t size; /* bytes of payload */
    uint32_t kind;
    uint32_t mark;
} Obj;

#define PAYLOAD(o) ((char *)((o) + 1))

static Obj **objs;
static size_t nobjs, capobjs;
static size_t since_gc, next_gc = 8u << 20;
static char *stack_bottom;

static void out_of_memory(void) {
    fflush(stdout);
    fputs("tern: out of memory\n", stderr);
    exit(70);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) out_of_memory();
    return p;
}

static void gc_collect(void);

static void *rt_alloc(size_t n, int kind) {
    since_gc += n + sizeof(Obj);
    if (since_gc > next_gc && stack_bottom) gc_collect();
    if (nobjs == capobjs) {
        capobjs = capobjs ? capobjs * 2 : 1024;
        objs = realloc(objs, capobjs * sizeof *objs);
        if (!objs) out_of_memory();
    }
    Obj *o = xmalloc(sizeof(Obj) + n);
    o->size = n;
    o->kind = (uint32_t)kind;
    o->mark = 0;
    objs[nobjs++] = o;
    return PAYLOAD(o);
}

/* Sorts objs by address: LSD radix sort on the low 48 bits (user-space
 * addresses), linear in the number of objects (qsort dominated collections). */
static void sort_objs(void) {
    static Obj **tmp;
    static size_t captmp;
    static size_t count[1 << 16];
    if (nobjs < 2) return;
    if (captmp < nobjs) {
        free(tmp);
        captmp = capobjs;
        tmp = xmalloc(captmp * sizeof *tmp);
    }
    Obj **src = objs, **dst = tmp;
    for (int shift = 0; shift < 48; shift += 16) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < nobjs; i++) count[((uintptr_t)src[i] >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t k = 0; k < (1 << 16); k++) { size_t c = count[k]; count[k] = sum; sum += c; }
        for (size_t i = 0; i < nobjs; i++) dst[count[((uintptr_t)src[i] >> shift) & 0xffff]++] = src[i];
        Obj **t = src; src = dst; dst = t;
    }
    /* Three passes: the sorted result is in tmp; swap the arrays. */
    objs = src;
    tmp = dst;
    size_t c = capobjs; capobjs = captmp; captmp = c;
}

/* The object whose payload contains address w, if any (objs is sorted). */
static Obj *find_obj(uintptr_t w) {
    size_t lo = 0, hi = nobjs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)PAYLOAD(objs[mid]) <= w) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    Obj *o = objs[lo - 1];
    uintptr_t p = (uintptr_t)PAYLOAD(o);
    return w < p + (o->size ? o->size : 1) ? o : NULL;
}

static Obj **mark_stack;
static size_t nmark, capmark;

static void mark_word(uintptr_t w) {
    if (w < 4096) return;
    Obj *o = find_obj(w);
    if (!o || o->mark) return;
    o->mark = 1;
    if (nmark == capmark) {
        capmark = capmark ? capmark * 2 : 1024;
        mark_stack = realloc(mark_stack, capmark * sizeof *mark_stack);
        if (!mark_stack) out_of_memory();
    }
    mark_stack[nmark++] = o;
}

static void mark_range(const void *lo, const void *hi) {
    uintptr_t a = ((uintptr_t)lo + 7) & ~(uintptr_t)7;
    for (; a + 8 <= (uintptr_t)hi; a += 8) mark_word(*(const uintptr_t *)a);
}

static void trace(Obj *o) {
    switch (o->kind) {
    case K_STR: mark_word((uintptr_t)((TernStr *)PAYLOAD(o))->buf); break;
    case K_ARR: {
        TernArr *a = (TernArr *)PAYLOAD(o);
        mark_range(a->data, a->data + a->len);
        break;
    }
    default: mark_range(PAYLOAD(o), PAYLOAD(o) + o->size);
    }
}

static void __attribute__((noinline)) mark_stack_from(void) {
    volatile char here = 0;
    mark_range((const void *)&here, stack_bottom);
}

static void __attribute__((noinline)) gc_collect(void) {
    /* Spill callee-saved registers into this frame so the stack scan sees them. */
    jmp_buf regs;
    __builtin_unwind_init();
    setjmp(regs);
    sort_objs();
    mark_stack_from();
    mark_range(tern_globals, tern_globals + tern_nglobals);
    while (nmark) trace(mark_stack[--nmark]);
    size_t kept = 0, live = 0;
    for (size_t i = 0; i < nobjs; i++) {
        Obj *o = objs[i];
        if (o->mark) {
            o->mark = 0;
            live += o->size + sizeof(Obj);
            if (o->kind == K_ARR) live += (size_t)((TernArr *)PAYLOAD(o))->cap * 8;
            objs[kept++] = o;
        } else {
            if (o->kind == K_ARR) free(((TernArr *)PAYLOAD(o))->data);
            free(o);
        }
    }
    nobjs = kept;
    since_gc = 0;
    next_gc = live > (4u << 20) ? live : (4u << 20);
    (void)regs;
}

/* ---------- growable byte buffer for formatting ---------- */

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

static void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + extra + 1) cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
}

static void buf_put(Buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_puts(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }
static void buf_putc(Buf *b, char c) { buf_put(b, &c, 1); }

static int64_t count_chars(const char *s, int64_t n) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

#define SB(s) ((s)->bytes ? (s)->bytes : (char *)((s) + 1))

static TernStr *str_from(const char *s, size_t n) {
    TernStr *r = rt_alloc(sizeof(TernStr) + n, K_STR);
    r->len = (int64_t)n;
    r->nchars = count_chars(s, (int64_t)n);
    r->bytes = NULL;
    r->buf = NULL;
    memcpy(r + 1, s, n);
    return r;
}

/* ---------- number formatting ---------- */

/* Python repr of a float: shortest digits that round-trip. */
static void fmt_float(Buf *b, double x) {
    if (isnan(x)) { buf_puts(b, "nan"); return; }
    if (isinf(x)) { buf_puts(b, x < 0 ? "-inf" : "inf"); return; }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    /* tmp = [-]d[.ddd]e(+|-)XX */
    const char *p = tmp;
    if (*p == '-') { buf_putc(b, '-'); p++; }
    char digits[24];
    int nd = 0;
    while (*p && *p != 'e') {
        if (*p != '.') digits[nd++] = *p;
        p++;
    }
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) buf_putc(b, i < nd ? digits[i] : '0');
            buf_putc(b, '.');
            if (nd > exp + 1) buf_put(b, digits + exp + 1, (size_t)(nd - exp - 1));
            else buf_putc(b, '0');
        } else {
            buf_puts(b, "0.");
            for (int i = 0; i < -exp - 1; i++) buf_putc(b, '0');
            buf_put(b, digits, (size_t)nd);
        }
    } else {
        buf_putc(b, digits[0]);
        if (nd > 1) { buf_putc(b, '.'); buf_put(b, digits + 1, (size_t)(nd - 1)); }
        char e[16];
        snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        buf_puts(b, e);
    }
}

static void fmt_int(Buf *b, int64_t v) {
    char tmp[24];
    char *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* ---------- struct table (parsed lazily from tern_structs) ---------- */

typedef struct {
    char *name;
    int nfields;
    char **fields;
    char **descs;
} StructInfo;

static StructInfo *structs;
static int nstructs;

static void load_structs(void) {
    if (structs) return;
    int lines = 0;
    for (const char *p = tern_structs; *p; p++) lines += *p == '\n';
    structs = calloc((size_t)lines + 1, sizeof(StructInfo));
    char *text = strdup(tern_structs);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        StructInfo *s = &structs[nstructs++];
        int tabs = 0;
        for (char *q = line; *q; q++) tabs += *q == '\t';
        s->nfields = tabs / 2;
        s->fields = calloc((size_t)s->nfields + 1, sizeof(char *));
        s->descs = calloc((size_t)s->nfields + 1, sizeof(char *));
        char *q = line;
        char *tab = strchr(q, '\t');
        if (tab) *tab = 0;
        s->name = q;
        for (int i = 0; i < s->nfields; i++) {
            q = tab + 1;
            tab = strchr(q, '\t');
            *tab = 0;
            s->fields[i] = q;
            q = tab + 1;
            tab = strchr(q, '\t');
            if (tab) *tab = 0;
            s->descs[i] = q;
        }
    }
}

/* ---------- value formatting ---------- */

#define MAX_NEST 16

static void fmt_quoted(Buf *b, const TernStr *s) {
    buf_putc(b, '"');
    for (int64_t i = 0; i < s->len; i++) {
        char c = SB(s)[i];
        switch (c) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\r': buf_puts(b, "\\r"); break;
        default: buf_putc(b, c);
        }
    }
    buf_putc(b, '"');
}

static void fmt_value(Buf *b, int64_t bits, const char *d, int depth, int nested) {
    switch (*d) {
    case 'i': fmt_int(b, bits); return;
    case 'f': { double x; memcpy(&x, &bits, 8); fmt_float(b, x); return; }
    case 'b': buf_puts(b, (bits & 0xff) ? "true" : "false"); return;
    case 'n': buf_puts(b, "nil"); return;
    case 's': {
        const TernStr *s = (const TernStr *)(intptr_t)bits;
        if (nested) fmt_quoted(b, s);
        else buf_put(b, SB(s), (size_t)s->len);
        return;
    }
    case '[': {
        const TernArr *a = (const TernArr *)(intptr_t)bits;
        if (!a) { buf_puts(b, "nil"); return; }
        if (depth >= MAX_NEST) { buf_puts(b, "..."); return; }
        buf_putc(b, '[');
        for (int64_t i = 0; i < a->len; i++) {
            if (i) buf_puts(b, ", ");
            fmt_value(b, a->data[i], d + 1, depth + 1, 1);
        }
        buf_putc(b, ']');
        return;
    }
    case 'S': {
        const TernRec *r = (const TernRec *)(intptr_t)bits;
        if (!r) { buf_puts(b, "nil"); return; }
        if (depth >= MAX_NEST) { buf_puts(b, "..."); return; }
        load_structs();
        const StructInfo *s = &structs[r->sid];
        buf_puts(b, s->name);
        buf_puts(b, " {");
        for (int i = 0; i < s->nfields; i++) {
            buf_puts(b, i ? ", " : " ");
            buf_puts(b, s->fields[i]);
            buf_puts(b, ": ");
            fmt_value(b, r->fields[i], s->descs[i], depth + 1, 1);
        }
        buf_puts(b, s->nfields ? " }" : "}");
        return;
    }
    }
}

static Buf scratch;

void tern_print(int64_t bits, const char *desc) {
    if (*desc == 's') {
        const TernStr *s = (const TernStr *)(intptr_t)bits;
        fwrite(SB(s), 1, (size_t)s->len, stdout);
        putc('\n', stdout);
        return;
    }
    scratch.len = 0;
    fmt_value(&scratch, bits, desc, 0, 0);
    buf_putc(&scratch, '\n');
    fwrite(scratch.p, 1, scratch.len, stdout);
}

TernStr *tern_to_str(int64_t bits, const char *desc) {
    if (*desc == 's') return (TernStr *)(intptr_t)bits;
    scratch.len = 0;
    fmt_value(&scratch, bits, desc, 0, 0);
    return str_from(scratch.p, scratch.len);
}

/* ---------- strings ---------- */

TernStr *tern_str_concat(const TernStr *a, const TernStr *b) {
    if (b->len == 0) return (TernStr *)a;
    if (a->len == 0) return (TernStr *)b;
    int64_t n = a->len + b->len;
    TernBuf *buf = a->buf;
    if (buf && SB(a) + a->len == buf->data + buf->used && buf->cap - buf->used >= b->len) {
        /* a ends where the buffer's used part ends: append in place. */
        TernStr *r = rt_alloc(sizeof(TernStr), K_STR);
        memcpy(buf->data + buf->used, SB(b), (size_t)b->len);
        buf->used += b->len;
        r->len = n;
        r->nchars = a->nchars + b->nchars;
        r->bytes = SB(a);
        r->buf = buf;
        return r;
    }
    /* A string that has been appended to is likely to grow again: double. */
    int64_t cap = a->buf ? 2 * n : n;
    TernStr *r = rt_alloc(sizeof(TernStr) + sizeof(TernBuf) + (size_t)cap, K_STR);
    buf = (TernBuf *)(r + 1);
    buf->cap = cap;
    buf->used = n;
    memcpy(buf->data, SB(a), (size_t)a->len);
    memcpy(buf->data + a->len, SB(b), (size_t)b->len);
    r->len = n;
    r->nchars = a->nchars + b->nchars;
    r->bytes = buf->data;
    r->buf = buf;
    return r;
}

int64_t tern_str_eq(const TernStr *a, const TernStr *b) {
    return a == b || (a->len == b->len && memcmp(SB(a), SB(b), (size_t)a->len) == 0);
}

int64_t tern_str_cmp(const TernStr *a, const TernStr *b) {
    int64_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(SB(a), SB(b), (size_t)n);
    if (c) return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

int64_t tern_str_len(const TernStr *s) { return s->nchars; }

/* ---------- arrays and records ---------- */

TernArr *tern_arr_new(int64_t len) {
    int64_t cap = len < 4 ? 4 : len;
    int64_t *data = calloc((size_t)cap, 8);
    if (!data) out_of_memory();
    since_gc += (size_t)cap * 8;
    TernArr *a = rt_alloc(sizeof(TernArr), K_ARR);
    a->len = len;
    a->cap = cap;
    a->data = data;
    return a;
}

void tern_arr_push(TernArr *a, int64_t v, int32_t site) {
    if (!a) tern_error(501, site, 0, 0);
    if (a->len == a->cap) {
        since_gc += (size_t)a->cap * 8;
        a->cap *= 2;
        a->data = realloc(a->data, (size_t)a->cap * 8);
        if (!a->data) out_of_memory();
    }
    a->data[a->len++] = v;
}

TernRec *tern_rec_new(int64_t sid, int64_t nfields) {
    TernRec *r = rt_alloc(sizeof(TernRec) + (size_t)nfields * 8, K_REC);
    r->sid = sid;
    memset(r->fields, 0, (size_t)nfields * 8);
    return r;
}

/* ---------- conversions and clock ---------- */

int64_t tern_int_of_float(double x, int32_t site) {
    /* 2^63 is exact as a double; anything in [-2^63, 2^63) truncates into range. */
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) {
        int64_t bits;
        memcpy(&bits, &x, 8);
        tern_error(901, site, bits, 0);
    }
    return (int64_t)x;
}

TernStr *tern_fixed(double x, int64_t digits, int32_t site) {
    if (digits < 0 || digits > 20) tern_error(902, site, digits, 0);
    if (isnan(x)) return str_from("nan", 3);
    if (isinf(x)) return x < 0 ? str_from("-inf", 4) : str_from("inf", 3);
    char tmp[400];
    int n = snprintf(tmp, sizeof tmp, "%.*f", (int)digits, x);
    return str_from(tmp, (size_t)n);
}

int64_t tern_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------- runtime errors ---------- */

typedef struct {
    char func[256], file[1024], message[512];
    int line, col;
} Site;

/* Copies tab-separated field i of a site line into out. */
static void site_field(const char *line, int i, char *out, size_t cap) {
    for (int k = 0; k < i; k++) line = strchr(line, '\t') + 1;
    size_t n = 0;
    while (line[n] && line[n] != '\n' && line[n] != '\t') n++;
    if (n >= cap) n = cap - 1;
    memcpy(out, line, n);
    out[n] = 0;
}

static void load_site(int32_t id, Site *s) {
    const char *p = tern_sites;
    for (int32_t i = 0; i < id && p; i++) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    char num[32];
    site_field(p, 0, s->func, sizeof s->func);
    site_field(p, 1, s->file, sizeof s->file);
    site_field(p, 2, num, sizeof num); s->line = atoi(num);
    site_field(p, 3, num, sizeof num); s->col = atoi(num);
    site_field(p, 4, s->message, sizeof s->message);
}

static const char *kind_of(int code) {
    switch (code) {
    case 104: return "name";
    case 501: return "nil";
    case 601: return "div-zero";
    case 701: return "index";
    case 901: case 902: return "value";
    case 1001: return "stack";
    default: return "runtime";
    }
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

/* Long traces show the innermost TRACE_INNER and outermost TRACE_OUTER frames
 * and count the rest, like tern_diag's renderer. Frame k (0 = <main>) of a
 * stack whose innermost frame is `depth`. */
#define TRACE_INNER 16
#define TRACE_OUTER 4

static int64_t omitted(int64_t depth) {
    int64_t total = depth + 1;
    return total > TRACE_INNER + TRACE_OUTER ? total - TRACE_INNER - TRACE_OUTER : 0;
}

static int elided(int64_t depth, int64_t k) {
    return omitted(depth) && k < depth + 1 - TRACE_INNER && k >= TRACE_OUTER;
}

void tern_error(int32_t code, int32_t site, int64_t a, int64_t b) {
    fflush(stdout);
    Site s;
    load_site(site, &s);
    char message[600];
    switch (code) {
    case 701:
        snprintf(message, sizeof message, "index %lld out of range for an array of length %lld", (long long)a, (long long)b);
        break;
    case 901: {
        double x;
        memcpy(&x, &a, 8);
        Buf fb = {0};
        fmt_float(&fb, x);
        snprintf(message, sizeof message, "cannot convert %s to int", fb.p);
        break;
    }
    case 902:
        snprintf(message, sizeof message, "fixed() digits must be 0..=20, got %lld", (long long)a);
        break;
    default:
        snprintf(message, sizeof message, "%s", s.message);
    }
    const char *kind = kind_of(code);
    const char *env = getenv("TERN_DIAGNOSTICS");
    int json = env && strcmp(env, "json") == 0;
    int64_t depth = tern_depth;
    if (depth > TERN_MAX_DEPTH) depth = TERN_MAX_DEPTH;
    if (json) {
        fprintf(stderr, "{\"code\":\"E%04d\",\"kind\":\"%s\",\"phase\":\"runtime\",\"file\":", code, kind);
        json_str(stderr, s.file);
        fprintf(stderr, ",\"line\":%d,\"col\":%d,\"message\":", s.line, s.col);
        json_str(stderr, message);
        fputs(",\"hint\":null,\"trace\":[", stderr);
        for (int64_t k = depth; k >= 0; k--) {
            if (elided(depth, k)) continue;
            Site f;
            if (k == depth) f = s;
            else load_site(tern_stack[k], &f);
            fputs("{\"function\":", stderr);
            json_str(stderr, f.func);
            fputs(",\"file\":", stderr);
            json_str(stderr, f.file);
            fprintf(stderr, ",\"line\":%d,\"col\":%d}%s", f.line, f.col, k ? "," : "");
        }
        fputs("]", stderr);
        if (omitted(depth)) fprintf(stderr, ",\"trace_omitted\":%lld", (long long)omitted(depth));
        fputs("}\n", stderr);
    } else {
        fprintf(stderr, "error[E%04d]: runtime %s at %s:%d:%d: %s\n", code, kind, s.file, s.line, s.col, message);
        /* No snippet: the executable carries positions, not source (LANGUAGE.md 13.2). */
        for (int64_t k = depth; k >= 0; k--) {
            if (elided(depth, k)) {
                if (k == TRACE_OUTER) fprintf(stderr, "  ... %lld more frames ...\n", (long long)omitted(depth));
                continue;
            }
            Site f;
            if (k == depth) f = s;
            else load_site(tern_stack[k], &f);
            fprintf(stderr, "  at %s (%s:%d:%d)\n", f.func, f.file, f.line, f.col);
        }
    }
    fflush(stderr);
    exit(70);
}

/* ---------- entry ---------- */

int main(void) {
    stack_bottom = __builtin_frame_address(0);
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    tern_main(0);
    fflush(stdout);
    return 0;
}
