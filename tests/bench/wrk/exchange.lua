-- Redeems authorization codes minted ahead (one per request, never reused) at
-- POST /token with client_secret_basic and the PKCE verifier. A thread that runs
-- out of codes sends a bogus one, which fails and is counted.
-- Env: BENCH_CODES (file, one code a line), BENCH_THREADS, BENCH_AUTH,
--      BENCH_REDIRECT_URI, BENCH_VERIFIER, and common.lua's. With BENCH_CAPTURE_OUT,
--      each answer's refresh_token is written to BENCH_CAPTURE_OUT.<tid> (a pool of
--      refresh tokens for refresh.lua).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  codes, next_code = {}, 1
  local i = 0
  for line in io.lines(os.getenv("BENCH_CODES")) do
    if line ~= "" then
      if i % nthreads == tid then codes[#codes + 1] = line end
      i = i + 1
    end
  end
  headers = base_headers()
  headers["Authorization"] = os.getenv("BENCH_AUTH")
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  tail = "&redirect_uri=" .. urlencode(os.getenv("BENCH_REDIRECT_URI")) ..
         "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
  local out = os.getenv("BENCH_CAPTURE_OUT")
  if out then
    capture = assert(io.open(out .. "." .. tid, "w"))
    capture:setvbuf("line")
  end
end

function request()
  local code = codes[next_code] or "exhausted"
  next_code = next_code + 1
  return wrk.format("POST", "/token", headers,
                    "grant_type=authorization_code&code=" .. urlencode(code) .. tail)
end

function response(status, headers, body)
  check(status)
  if capture and status == 200 then
    local rt = body and body:match('"refresh_token":%s*"([^"]+)"')
    if rt then capture:write(rt, "\n") end
  end
end
