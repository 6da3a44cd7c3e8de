local function run(n)
  local s = 0
  local per = math.floor(n / 10)
  for r = 0, 9 do
    for i = 0, per - 1 do s = s + (i * i + r) % 7 end
  end
  return s
end
print(run(100000000))
