-- One request per line of BENCH_LINES, each line used once (one-use credentials:
-- DPoP proofs, client assertions, codes, request_uris made ahead by fapi.mjs or a
-- previous run). A line's tab-separated fields fill the templates BENCH_PATH,
-- BENCH_BODY and BENCH_HEADERS ("Name: value" pairs separated by "|"): {1} is the
-- first field, {u1} the first field URL-encoded, {RT} a refresh token (below).
-- When the lines run out, the thread stops (the run ends early; its duration is
-- what it ran).
-- Env: BENCH_METHOD (GET), BENCH_COOKIE; with BENCH_CAPTURE ("body:<Lua pattern>"
-- or "location:<Lua pattern>") each answer's first capture is written to
-- BENCH_CAPTURE_OUT.<tid>. BENCH_REFRESH_TOKENS (a file) gives {RT}: with
-- BENCH_ROTATE=1 a queue (each token taken by one request at a time, the answer's
-- new refresh_token put back in its place; needs more tokens than connections),
-- else the tokens in turn (they stay valid). And common.lua's.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local function split(s, sep)
  local out = {}
  for part in (s .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do out[#out + 1] = part end
  return out
end

local function fill(template, fields, rt)
  if not template then return nil end
  return (template:gsub("{(u?)(%w+)}", function(u, k)
    local v
    if k == "RT" then v = rt else v = fields[tonumber(k)] end
    if v == nil then return nil end
    if u == "u" then v = urlencode(v) end
    return v
  end))
end

function init(args)
  lines, next_line = thread_share(os.getenv("BENCH_LINES")), 1
  method = os.getenv("BENCH_METHOD") or "GET"
  path_t, body_t = os.getenv("BENCH_PATH"), os.getenv("BENCH_BODY")
  header_t = {}
  local hs = os.getenv("BENCH_HEADERS")
  if hs and hs ~= "" then
    for _, h in ipairs(split(hs, "|")) do
      local name, value = h:match("^%s*([^:]+):%s*(.*)$")
      header_t[#header_t + 1] = { name, value }
    end
  end
  fixed = base_headers()
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie then fixed["Cookie"] = cookie end
  if body_t then fixed["Content-Type"] = "application/x-www-form-urlencoded" end
  local capture = os.getenv("BENCH_CAPTURE")
  if capture then
    capture_where, capture_pattern = capture:match("^(%a+):(.*)$")
    capture_file = assert(io.open(os.getenv("BENCH_CAPTURE_OUT") .. "." .. tid, "w"))
    capture_file:setvbuf("line")
  end
  local rts = os.getenv("BENCH_REFRESH_TOKENS")
  if rts then
    rt_list, rt_next = {}, 1
    for line in io.lines(rts) do
      if line ~= "" then rt_list[#rt_list + 1] = line end
    end
    rotate = os.getenv("BENCH_ROTATE") == "1"
    in_flight = {}  -- rotation: the tokens taken, oldest first (one per connection)
  end
end

local function take_rt()
  if not rt_list then return nil end
  if rotate then
    local t = table.remove(rt_list, 1) or "exhausted"
    in_flight[#in_flight + 1] = t
    return t
  end
  local t = rt_list[rt_next]
  rt_next = rt_next % #rt_list + 1
  return t
end

function request()
  local line = lines[next_line]
  if not line then
    wrk.thread:stop()
    line = lines[#lines] or ""
  end
  next_line = next_line + 1
  local fields = split(line, "\t")
  local rt = take_rt()
  local headers = {}
  for k, v in pairs(fixed) do headers[k] = v end
  for _, h in ipairs(header_t) do headers[h[1]] = fill(h[2], fields, rt) end
  return wrk.format(method, fill(path_t, fields, rt), headers, fill(body_t, fields, rt))
end

function response(status, headers, body)
  check(status)
  if rotate then
    -- Each connection has one request in flight, answered in order per connection;
    -- the token given back is the answer's successor, else the oldest one taken.
    local used = table.remove(in_flight, 1)
    local successor = status == 200 and body and body:match('"refresh_token":%s*"([^"]+)"')
    if successor then rt_list[#rt_list + 1] = successor
    elseif status == 200 and used then rt_list[#rt_list + 1] = used end
  end
  if capture_file then
    local v
    if capture_where == "location" then
      local l = headers["Location"] or headers["location"]
      v = l and l:match(capture_pattern)
    elseif body then
      v = body:match(capture_pattern)
    end
    if v then capture_file:write(v, "\n") end
  end
end
