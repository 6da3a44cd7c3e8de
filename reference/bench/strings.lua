local function join(parts, sep)
  local out = ""
  for i = 1, #parts do
    if i > 1 then out = out .. sep end
    out = out .. parts[i]
  end
  return out
end
local total = 0
for round = 0, 199 do
  local parts = {}
  for i = 0, 999 do parts[#parts + 1] = "item" .. tostring(i * round % 97) end
  local s = join(parts, ",")
  total = total + #s
end
print(total)
