-- PATCH with If-Match: each thread rotates over its own share of the first 1,000 ids and sends the ETag the
-- previous answer for that id returned (If-Match: * the first time); an id comes back only after hundreds of
-- requests, so its previous answer is in.
local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do
  if #ids < 1000 then ids[#ids + 1] = line end
end
local token = os.getenv("WRK_TOKEN")
local threads = tonumber(os.getenv("WRK_THREADS") or "2")
local etags = {}
local counter = 0
local index = 0

local thread_number = 0
function setup(thread)
  thread:set("index", thread_number)
  thread_number = thread_number + 1
end

function request()
  counter = counter + 1
  local id = ids[((counter * threads + index) % #ids) + 1]
  return wrk.format("PATCH", "/api/v1/organisations/" .. id, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = etags[id] or "*",
  }, '{"city": "Ancona ' .. counter .. '"}')
end

function response(status, headers, body)
  local id = body:match('"id": ?"(%x+)"')
  if id and headers["ETag"] then etags[id] = headers["ETag"] end
end
