-- Mints credentials ahead of a run, one per line in BENCH_CODES_OUT.<tid>:
--   authorization codes (default) through the real authorization endpoint: GET
--   /authorize (signet) or /auth (peer) with a signed-in session whose consent is
--   remembered; each 303 carries a fresh code in Location. Env: BENCH_PATH,
--   BENCH_COOKIE, BENCH_OK=303.
--   access tokens (BENCH_CAPTURE=token): POST BENCH_PATH with BENCH_AUTH and
--   BENCH_BODY (client credentials); each 200 carries a fresh access_token.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  local headers = base_headers()
  capture_token = os.getenv("BENCH_CAPTURE") == "token"
  if capture_token then
    headers["Authorization"] = os.getenv("BENCH_AUTH")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = wrk.format("POST", os.getenv("BENCH_PATH"), headers, os.getenv("BENCH_BODY"))
  else
    headers["Cookie"] = os.getenv("BENCH_COOKIE")
    req = wrk.format("GET", os.getenv("BENCH_PATH"), headers)
  end
  codes_file = assert(io.open(os.getenv("BENCH_CODES_OUT") .. "." .. tid, "w"))
  codes_file:setvbuf("line")
end

function request() return req end

function response(status, headers, body)
  local code
  if capture_token then
    code = body and body:match('"access_token":%s*"([^"]+)"')
  else
    local location = headers["Location"] or headers["location"]
    code = location and location:match("[?&]code=([^&]+)")
  end
  if code then
    codes_file:write(code, "\n")
    check(status)
  else
    check(0)
  end
end
