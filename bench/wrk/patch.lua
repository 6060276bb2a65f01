-- PATCH with If-Match: each thread rotates over its own share of the first 1,000 ids and sends the ETag the
-- previous answer for that id returned (If-Match: * the first time); an id comes back only after hundreds of
-- requests, so its previous answer is in. Prints the count of each status at the end.
local token = os.getenv("WRK_TOKEN")
local all_threads = {}
local mine = {}
local etags = {}
local counter = 0
statuses = {}

function setup(thread)
  thread:set("index", #all_threads)
  all_threads[#all_threads + 1] = thread
end

function init(args)
  local position = 0
  for line in io.lines(os.getenv("WRK_IDS")) do
    if position >= 1000 then break end
    if position % tonumber(os.getenv("WRK_THREADS")) == index then mine[#mine + 1] = line end
    position = position + 1
  end
end

function request()
  counter = counter + 1
  local id = mine[counter % #mine + 1]
  return wrk.format("PATCH", "/api/v1/organisations/" .. id, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = etags[id] or "*",
  }, '{"city": "Ancona ' .. counter .. '"}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local id = body:match('"id": ?"(%x+)"')
  if id and headers["ETag"] then etags[id] = headers["ETag"] end
end

function done(summary, latency, requests)
  for _, thread in ipairs(all_threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.stderr:write("status " .. status .. ": " .. count .. "\n")
    end
  end
end
