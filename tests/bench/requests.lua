-- wrk script: cycle through the requests in $WRK_REQUESTS, one "METHOD<TAB>PATH<TAB>BODY" a line,
-- sending $WRK_TOKEN as a bearer token; print one machine-readable summary line at the end, and
-- the first error answer, so a non-2xx count comes with its reason.
local requests = {}
local next_one = 0
local threads = {}
first_error = nil -- a global: done() reads it from the thread with thread:get

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  local token = os.getenv("WRK_TOKEN")
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then
      body = nil
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
end

function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end

function response(status, headers, body)
  if status > 399 and not first_error then
    first_error = status .. " " .. string.sub(body or "", 1, 300):gsub("\n", " ")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout
  ))
  for _, thread in ipairs(threads) do
    local error = thread:get("first_error")
    if error then
      io.write("BENCH_ERROR " .. error .. "\n")
    end
  end
end
