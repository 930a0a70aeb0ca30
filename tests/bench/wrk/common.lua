-- Shared by the benchmark's wrk scripts (loaded with dofile). Each script sets
-- `req` in init() or defines request(), and calls check(status) per response.
-- Settings come from the environment:
--   BENCH_OUT      file for the JSON summary written by done()
--   BENCH_OK       the status that counts as success: "2xx" (default) or a code
--                  such as 303 (login) or 403 (the scope-refusal path)
--   BENCH_DELAY_MS when set, each connection waits this long before each request
--                  (wrk has no constant-rate mode; this paces the load)
local getenv = os.getenv

local ok_spec = getenv("BENCH_OK") or "2xx"
local function is_ok(status)
  if ok_spec == "2xx" then return status >= 200 and status < 300 end
  return status == tonumber(ok_spec)
end

failures = 0
first_bad = 0

function check(status)
  if not is_ok(status) then
    failures = failures + 1
    if first_bad == 0 then first_bad = status end
  end
end

-- Headers every request carries: Pistache 0.0.5 answers "Connection: Close" to
-- HTTP/1.1 requests without a Connection header.
function base_headers()
  return { ["Connection"] = "keep-alive" }
end

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(ch) return string.format("%%%02X", string.byte(ch)) end))
end

-- A token file shared by the threads: each thread takes every nth line (its own
-- share, used once, in order). Returns the list.
function thread_share(path)
  local nthreads = tonumber(getenv("BENCH_THREADS") or "1")
  local mine, i = {}, 0
  for line in io.lines(path) do
    if line ~= "" then
      if i % nthreads == tid then mine[#mine + 1] = line end
      i = i + 1
    end
  end
  return mine
end

-- Form POSTs with client_secret_basic (BENCH_AUTH); with BENCH_CAPTURE_OUT, each
-- 200 answer's refresh_token is written to BENCH_CAPTURE_OUT.<tid> (the pool of
-- refresh tokens of the next run).
function form_post_setup()
  headers = base_headers()
  headers["Authorization"] = getenv("BENCH_AUTH")
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local out = getenv("BENCH_CAPTURE_OUT")
  if out then
    capture = assert(io.open(out .. "." .. tid, "w"))
    capture:setvbuf("line")
  end
end

function check_and_capture(status, body)
  check(status)
  if capture and status == 200 then
    local rt = body and body:match('"refresh_token":%s*"([^"]+)"')
    if rt then capture:write(rt, "\n") end
  end
end

local threads = {}
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local pace = tonumber(getenv("BENCH_DELAY_MS") or "")
if pace then
  function delay() return pace end
end

function done(summary, latency, requests)
  local fails, bad = 0, 0
  for _, t in ipairs(threads) do
    fails = fails + (t:get("failures") or 0)
    local b = t:get("first_bad") or 0
    if bad == 0 then bad = b end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  local function ms(p) return latency:percentile(p) / 1000 end
  local json = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"failures":%d,"first_bad_status":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"pace_ms":%s}\n',
    summary.requests, secs, summary.requests / secs, ms(50), ms(90), ms(99),
    latency.max / 1000, latency.mean / 1000, fails, bad,
    e.connect, e.read, e.write, e.timeout, pace and tostring(pace) or "null")
  local out = getenv("BENCH_OUT")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
  else
    io.write(json)
  end
end
