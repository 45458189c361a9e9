-- POST a hand-over per request, each for a different packed order (with an Idempotency-Key).
-- Thread i of n takes orders i, i+n, i+2n, … so no two requests hand over the same order.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local orders = {}
for line in io.lines(os.getenv("BENCH_ORDERS")) do orders[#orders + 1] = line end
local nthreads = tonumber(os.getenv("BENCH_THREADS"))
local headers = {
  ["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local counter = 0

request = function()
  local number = orders[counter * nthreads + tid + 1] or "exhausted"
  counter = counter + 1
  headers["Idempotency-Key"] = "bench-" .. number
  return wrk.format("POST", "/api/v1/orders/" .. number .. "/ship/", headers, "{}")
end

done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"errors_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
end
