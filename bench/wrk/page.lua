-- A page of 20 of the directory in alphabetical order, pages 1 to 10.
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/organisations?sort=name&page_size=20&page=" .. (counter % 10 + 1))
end
