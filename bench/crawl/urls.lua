-- wrk script of the crawl benchmark: cycles over the paths in $BENCH_URLS (one a line), each
-- request with the Accept-Encoding netra-crawler's libcurl sends.
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do
  paths[#paths + 1] = line
end
if #paths == 0 then
  error("no paths in " .. os.getenv("BENCH_URLS"))
end
local next_path = 0

setup = function(thread)
  -- Threads start at different points of the list, so they do not ask for the same page.
  thread:set("start", math.random(#paths))
end

init = function(args)
  next_path = start or 1
end

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path], {["Accept-Encoding"] = "deflate, gzip, br, zstd"})
end
