local PI = 3.141592653589793
local SOLAR_MASS = 4 * PI * PI
local DAYS = 365.24
local function body(x, y, z, vx, vy, vz, mass)
  return { x = x, y = y, z = z, vx = vx * DAYS, vy = vy * DAYS, vz = vz * DAYS, mass = mass * SOLAR_MASS }
end
local bodies = {
  body(0, 0, 0, 0, 0, 0, 1),
  body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
  body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
  body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
  body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05),
}
local function offset(b)
  local px, py, pz = 0, 0, 0
  for i = 1, #b do local o = b[i] px = px + o.vx * o.mass py = py + o.vy * o.mass pz = pz + o.vz * o.mass end
  b[1].vx = -px / SOLAR_MASS b[1].vy = -py / SOLAR_MASS b[1].vz = -pz / SOLAR_MASS
end
local function energy(b)
  local e, n = 0, #b
  for i = 1, n do
    local o = b[i]
    e = e + 0.5 * o.mass * (o.vx * o.vx + o.vy * o.vy + o.vz * o.vz)
    for j = i + 1, n do
      local p = b[j]
      local dx, dy, dz = o.x - p.x, o.y - p.y, o.z - p.z
      e = e - o.mass * p.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end
local function advance(b, dt)
  local n = #b
  for i = 1, n do
    local o = b[i]
    for j = i + 1, n do
      local p = b[j]
      local dx, dy, dz = o.x - p.x, o.y - p.y, o.z - p.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * math.sqrt(d2))
      local om, pm = o.mass * mag, p.mass * mag
      o.vx = o.vx - dx * pm o.vy = o.vy - dy * pm o.vz = o.vz - dz * pm
      p.vx = p.vx + dx * om p.vy = p.vy + dy * om p.vz = p.vz + dz * om
    end
  end
  for i = 1, n do local o = b[i] o.x = o.x + dt * o.vx o.y = o.y + dt * o.vy o.z = o.z + dt * o.vz end
end
offset(bodies)
print(string.format("%0.9f", energy(bodies)))
for _ = 1, 1000000 do advance(bodies, 0.01) end
print(string.format("%0.9f", energy(bodies)))
