-- The refresh-token grant: POST /token grant_type=refresh_token with
-- client_secret_basic, each request using the next refresh token of BENCH_TOKENS
-- once (tokens rotate: a used one is spent). The successor in each answer is
-- written to BENCH_CAPTURE_OUT.<tid>, so that the run's output is the next run's
-- pool (a chain). A thread that runs out of tokens sends a bogus one, which fails
-- and is counted. Env: BENCH_TOKENS, BENCH_AUTH, BENCH_CAPTURE_OUT, BENCH_THREADS,
-- and common.lua's.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  tokens, next_token = {}, 1
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if line ~= "" then
      if i % nthreads == tid then tokens[#tokens + 1] = line end
      i = i + 1
    end
  end
  headers = base_headers()
  headers["Authorization"] = os.getenv("BENCH_AUTH")
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local out = os.getenv("BENCH_CAPTURE_OUT")
  if out then
    capture = assert(io.open(out .. "." .. tid, "w"))
    capture:setvbuf("line")
  end
end

function request()
  local t = tokens[next_token] or "exhausted"
  next_token = next_token + 1
  return wrk.format("POST", "/token", headers, "grant_type=refresh_token&refresh_token=" .. urlencode(t))
end

function response(status, headers, body)
  check(status)
  if capture and status == 200 then
    local rt = body and body:match('"refresh_token":%s*"([^"]+)"')
    if rt then capture:write(rt, "\n") end
  end
end
