-- wrk script: each request takes the next path from a file of pre-generated paths.
--   wrk -s bench/paths.lua http://127.0.0.1:8100 -- bench/out/paths-visits.txt
-- Threads start at different offsets so they do not ask for the same thing in lockstep.

local threads = 0

function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. args[1]) end
  index = (offset or 0) % #paths
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
