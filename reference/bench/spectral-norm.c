#include <stdio.h>
#include <math.h>
static double A(int i, int j) { int ij = i + j; return 1.0 / (ij * (ij + 1) / 2 + i + 1); }
static void Av(int n, double *v, double *av) { for (int i = 0; i < n; i++) { double s = 0; for (int j = 0; j < n; j++) s += A(i, j) * v[j]; av[i] = s; } }
static void Atv(int n, double *v, double *atv) { for (int i = 0; i < n; i++) { double s = 0; for (int j = 0; j < n; j++) s += A(j, i) * v[j]; atv[i] = s; } }
int main(void) {
  enum { N = 100 };
  double u[N], v[N], tmp[N];
  for (int i = 0; i < N; i++) { u[i] = 1; v[i] = 0; }
  for (int i = 0; i < 10; i++) { Av(N, u, tmp); Atv(N, tmp, v); Av(N, v, tmp); Atv(N, tmp, u); }
  double vBv = 0, vv = 0;
  for (int i = 0; i < N; i++) { vBv += u[i] * v[i]; vv += v[i] * v[i]; }
  printf("%0.9f\n", sqrt(vBv / vv));
  return 0;
}
