import math
PI = 3.141592653589793
SOLAR_MASS = 4 * PI * PI
DAYS = 365.24
class Body:
    __slots__ = ("x", "y", "z", "vx", "vy", "vz", "mass")
    def __init__(self, x, y, z, vx, vy, vz, mass):
        self.x, self.y, self.z = x, y, z
        self.vx, self.vy, self.vz = vx * DAYS, vy * DAYS, vz * DAYS
        self.mass = mass * SOLAR_MASS
bodies = [
    Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
    Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
    Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
    Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05),
]
def offset(b):
    px = py = pz = 0.0
    for o in b:
        px += o.vx * o.mass; py += o.vy * o.mass; pz += o.vz * o.mass
    b[0].vx = -px / SOLAR_MASS; b[0].vy = -py / SOLAR_MASS; b[0].vz = -pz / SOLAR_MASS
def energy(b):
    e = 0.0
    n = len(b)
    for i in range(n):
        o = b[i]
        e += 0.5 * o.mass * (o.vx * o.vx + o.vy * o.vy + o.vz * o.vz)
        for j in range(i + 1, n):
            p = b[j]
            dx = o.x - p.x; dy = o.y - p.y; dz = o.z - p.z
            e -= o.mass * p.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e
def advance(b, dt):
    n = len(b)
    for i in range(n):
        o = b[i]
        for j in range(i + 1, n):
            p = b[j]
            dx = o.x - p.x; dy = o.y - p.y; dz = o.z - p.z
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            om = o.mass * mag; pm = p.mass * mag
            o.vx -= dx * pm; o.vy -= dy * pm; o.vz -= dz * pm
            p.vx += dx * om; p.vy += dy * om; p.vz += dz * om
    for o in b:
        o.x += dt * o.vx; o.y += dt * o.vy; o.z += dt * o.vz
offset(bodies)
print("%0.9f" % energy(bodies))
for _ in range(1000000):
    advance(bodies, 0.01)
print("%0.9f" % energy(bodies))
