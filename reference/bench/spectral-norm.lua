local function A(i, j) local ij = i + j return 1.0 / (math.floor(ij * (ij + 1) / 2) + i + 1) end
local function Av(n, v, av) for i = 0, n - 1 do local s = 0.0 for j = 0, n - 1 do s = s + A(i, j) * v[j] end av[i] = s end end
local function Atv(n, v, atv) for i = 0, n - 1 do local s = 0.0 for j = 0, n - 1 do s = s + A(j, i) * v[j] end atv[i] = s end end
local function AtAv(n, v, out, tmp) Av(n, v, tmp) Atv(n, tmp, out) end
local n = 100
local u, v, tmp = {}, {}, {}
for i = 0, n - 1 do u[i] = 1.0 v[i] = 0.0 tmp[i] = 0.0 end
for i = 1, 10 do AtAv(n, u, v, tmp) AtAv(n, v, u, tmp) end
local vBv, vv = 0.0, 0.0
for i = 0, n - 1 do vBv = vBv + u[i] * v[i] vv = vv + v[i] * v[i] end
print(string.format("%0.9f", math.sqrt(vBv / vv)))
