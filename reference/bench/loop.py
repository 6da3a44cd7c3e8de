def run(n):
    s = 0
    per = n // 10
    for r in range(10):
        for i in range(per):
            s = s + (i * i + r) % 7
    return s
print(run(100000000))
