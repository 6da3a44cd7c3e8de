/* Tern AOT runtime. See tern_rt.h for the value model. */
#include "tern_rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- memory: a bump allocator; nothing is freed (v1) ---------- */

static char *bump_ptr, *bump_end;

static void *rt_alloc(size_t n) {
    n = (n + 7) & ~(size_t)7;
    if ((size_t)(bump_end - bump_ptr) < n) {
        size_t chunk = n > (1u << 20) ? n : (1u << 20);
        bump_ptr = malloc(chunk);
        if (!bump_ptr) {
            fflush(stdout);
            fputs("tern: out of memory\n", stderr);
            exit(70);
        }
        bump_end = bump_ptr + chunk;
    }
    void *p = bump_ptr;
    bump_ptr += n;
    return p;
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

static TernStr *str_from(const char *s, size_t n) {
    TernStr *r = rt_alloc(sizeof(TernStr) + n + 1);
    r->len = (int64_t)n;
    r->nchars = count_chars(s, (int64_t)n);
    memcpy(r->bytes, s, n);
    r->bytes[n] = 0;
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
        char c = s->bytes[i];
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
        else buf_put(b, s->bytes, (size_t)s->len);
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
        fwrite(s->bytes, 1, (size_t)s->len, stdout);
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
    size_t n = (size_t)(a->len + b->len);
    TernStr *r = rt_alloc(sizeof(TernStr) + n + 1);
    r->len = (int64_t)n;
    r->nchars = a->nchars + b->nchars;
    memcpy(r->bytes, a->bytes, (size_t)a->len);
    memcpy(r->bytes + a->len, b->bytes, (size_t)b->len);
    r->bytes[n] = 0;
    return r;
}

int64_t tern_str_eq(const TernStr *a, const TernStr *b) {
    return a == b || (a->len == b->len && memcmp(a->bytes, b->bytes, (size_t)a->len) == 0);
}

int64_t tern_str_cmp(const TernStr *a, const TernStr *b) {
    int64_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->bytes, b->bytes, (size_t)n);
    if (c) return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

int64_t tern_str_len(const TernStr *s) { return s->nchars; }

/* ---------- arrays and records ---------- */

TernArr *tern_arr_new(int64_t len) {
    TernArr *a = rt_alloc(sizeof(TernArr));
    a->len = len;
    a->cap = len < 4 ? 4 : len;
    a->data = malloc((size_t)a->cap * 8);
    return a;
}

void tern_arr_push(TernArr *a, int64_t v, int32_t site) {
    if (!a) tern_error(501, site, 0, 0);
    if (a->len == a->cap) {
        a->cap *= 2;
        a->data = realloc(a->data, (size_t)a->cap * 8);
    }
    a->data[a->len++] = v;
}

TernRec *tern_rec_new(int64_t sid, int64_t nfields) {
    TernRec *r = rt_alloc(sizeof(TernRec) + (size_t)nfields * 8);
    r->sid = sid;
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
            Site f;
            if (k == depth) f = s;
            else load_site(tern_stack[k], &f);
            fputs("{\"function\":", stderr);
            json_str(stderr, f.func);
            fputs(",\"file\":", stderr);
            json_str(stderr, f.file);
            fprintf(stderr, ",\"line\":%d,\"col\":%d}%s", f.line, f.col, k ? "," : "");
        }
        fputs("]}\n", stderr);
    } else {
        fprintf(stderr, "error[E%04d]: runtime %s at %s:%d:%d: %s\n", code, kind, s.file, s.line, s.col, message);
        /* No snippet: the executable carries positions, not source (LANGUAGE.md 13.2). */
        for (int64_t k = depth; k >= 0; k--) {
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
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    tern_main();
    fflush(stdout);
    return 0;
}
