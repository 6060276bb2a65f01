-- GET one organisation, rotating over every id (ids.txt, one a line), each thread from its own offset.
local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = line end
local counter = 0
local offset = 0

function setup(thread)
  thread:set("offset", math.random(#ids))
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/organisations/" .. ids[(offset + counter) % #ids + 1])
end
