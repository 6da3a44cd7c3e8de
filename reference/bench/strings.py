def join(parts, sep):
    out = ""
    for i in range(len(parts)):
        if i > 0:
            out = out + sep
        out = out + parts[i]
    return out
total = 0
for rnd in range(200):
    parts = []
    for i in range(1000):
        parts.append("item" + str(i * rnd % 97))
    s = join(parts, ",")
    total = total + len(s)
print(total)
