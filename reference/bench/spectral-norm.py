import math
def A(i, j):
    ij = i + j
    return 1.0 / float(ij * (ij + 1) // 2 + i + 1)
def Av(n, v, av):
    for i in range(n):
        s = 0.0
        for j in range(n):
            s = s + A(i, j) * v[j]
        av[i] = s
def Atv(n, v, atv):
    for i in range(n):
        s = 0.0
        for j in range(n):
            s = s + A(j, i) * v[j]
        atv[i] = s
def AtAv(n, v, out, tmp):
    Av(n, v, tmp)
    Atv(n, tmp, out)
n = 100
u = [1.0] * n; v = [0.0] * n; tmp = [0.0] * n
for i in range(10):
    AtAv(n, u, v, tmp)
    AtAv(n, v, u, tmp)
vBv = vv = 0.0
for i in range(n):
    vBv += u[i] * v[i]
    vv += v[i] * v[i]
print("%0.9f" % math.sqrt(vBv / vv))
