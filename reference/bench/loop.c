#include <stdio.h>
#include <stdint.h>
static int64_t run(int64_t n) {
  int64_t s = 0, per = n / 10;
  for (int64_t r = 0; r < 10; r++)
    for (volatile int64_t i = 0; i < per; i++) s = s + (i * i + r) % 7;
  return s;
}
int main(void) { printf("%lld\n", (long long)run(100000000)); return 0; }
