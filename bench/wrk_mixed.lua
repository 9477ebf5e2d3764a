-- wrk script for the mixed load: 9 page views, then 1 write, over and over.
--
-- The requests come from a Lua file written by bench/mixed.py (BENCH_MIXED_DATA):
--   return { pages = { {path=..., headers={...}}, ... },
--            writes = { {path=..., headers={...}, bodies={b1, b2, ...}, tags={t1, t2, ...}}, ... },
--            tags = {t1, t2, ...} }
-- (a tag names what a body does, e.g. "going", "profile"; sends are counted per tag).
-- Page views go round the pages (one per signed-in person); writes go round
-- the write slots, each slot sending its bodies in turn (an RSVP flips
-- going / not going, a profile edit flips its headline). The same script
-- drives NQ and the bare app. Prints one WRK_JSON line with the figures and
-- the count of answers by status class.
local data = dofile(os.getenv("BENCH_MIXED_DATA"))
local pages, writes = {}, {}
local n, page_i, write_i = 0, 0, 0
local bad = {}
sent_pages, sent_writes = 0, 0
answers_2xx, answers_3xx, answers_bad, bad_codes = 0, 0, 0, ""
for _, tag in ipairs(data.tags) do _G["sent_" .. tag] = 0 end

local function copy(headers)
  local out = {}
  for key, value in pairs(headers) do out[key] = value end
  return out
end

init = function(args)
  for _, page in ipairs(data.pages) do
    table.insert(pages, wrk.format("GET", page.path, copy(page.headers)))
  end
  for _, slot in ipairs(data.writes) do
    local requests = {}
    for _, body in ipairs(slot.bodies) do
      table.insert(requests, wrk.format("POST", slot.path, copy(slot.headers), body))
    end
    table.insert(writes, {requests = requests, tags = slot.tags, next = 1})
  end
end

request = function()
  n = n + 1
  if n % 10 == 0 and #writes > 0 then
    write_i = write_i % #writes + 1
    local slot = writes[write_i]
    local req = slot.requests[slot.next]
    local counter = "sent_" .. slot.tags[slot.next]
    _G[counter] = _G[counter] + 1
    slot.next = slot.next % #slot.requests + 1
    sent_writes = sent_writes + 1
    return req
  end
  page_i = page_i % #pages + 1
  sent_pages = sent_pages + 1
  return pages[page_i]
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    answers_2xx = answers_2xx + 1
  elseif status >= 300 and status < 400 then
    answers_3xx = answers_3xx + 1
  else
    answers_bad = answers_bad + 1
    bad[status] = (bad[status] or 0) + 1
    local parts = {}
    for code, count in pairs(bad) do table.insert(parts, code .. " ×" .. count) end
    bad_codes = table.concat(parts, ", ") .. "; "
  end
end

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local totals = {sent_pages = 0, sent_writes = 0, answers_2xx = 0, answers_3xx = 0, answers_bad = 0}
  for _, tag in ipairs(data.tags) do totals["sent_" .. tag] = 0 end
  local codes = ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
    codes = codes .. thread:get("bad_codes")
  end
  local by_tag = {}
  for _, tag in ipairs(data.tags) do
    table.insert(by_tag, string.format('"%s": %d', tag, totals["sent_" .. tag]))
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "rps": %.2f, "pages_rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, '
    .. '"errors": %d, "sent_pages": %d, "sent_writes": %d, "answers_2xx": %d, "answers_3xx": %d, '
    .. '"answers_bad": %d, "bad_codes": "%s", "sent_by_tag": {%s}}\n',
    summary.requests, summary.requests / seconds, totals.answers_2xx / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors + summary.errors.status,
    totals.sent_pages, totals.sent_writes, totals.answers_2xx, totals.answers_3xx, totals.answers_bad, codes,
    table.concat(by_tag, ", ")))
end
