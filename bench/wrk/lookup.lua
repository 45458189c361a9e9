-- GET a random barcode's lookup; BENCH_PATH has %s where the barcode goes.
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local path = os.getenv("BENCH_PATH")
local headers = {}
if os.getenv("BENCH_TOKEN") ~= "" then headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN") end
math.randomseed(os.time())

request = function()
  return wrk.format("GET", string.format(path, codes[math.random(#codes)]), headers)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"errors_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
end
