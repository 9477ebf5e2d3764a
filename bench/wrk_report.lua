-- wrk script: send the session cookie and the bench's User-Agent, print one JSON line with the figures.
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local agent = os.getenv("BENCH_UA")
if agent and agent ~= "" then
  wrk.headers["User-Agent"] = agent
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "errors": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, bad))
end
