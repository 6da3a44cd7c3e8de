#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  long total = 0;
  for (int round = 0; round < 200; round++) {
    char *parts[1000];
    for (int i = 0; i < 1000; i++) { char buf[32]; snprintf(buf, sizeof buf, "item%d", i * round % 97); parts[i] = strdup(buf); }
    size_t cap = 16, len = 0; char *out = malloc(cap); out[0] = 0;
    for (int i = 0; i < 1000; i++) {
      size_t add = strlen(parts[i]) + (i > 0);
      if (len + add + 1 > cap) { while (len + add + 1 > cap) cap *= 2; out = realloc(out, cap); }
      if (i > 0) out[len++] = ',';
      memcpy(out + len, parts[i], strlen(parts[i])); len += strlen(parts[i]); out[len] = 0;
      free(parts[i]);
    }
    total += (long)len; free(out);
  }
  printf("%ld\n", total);
  return 0;
}
