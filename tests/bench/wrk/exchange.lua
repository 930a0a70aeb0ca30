-- Redeems authorization codes minted ahead (one per request, never reused) at
-- POST /token with client_secret_basic and the PKCE verifier. A thread that runs
-- out of codes sends a bogus one, which fails and is counted.
-- Env: BENCH_CODES (file, one code a line), BENCH_THREADS, BENCH_AUTH,
--      BENCH_REDIRECT_URI, BENCH_VERIFIER, and common.lua's. With BENCH_CAPTURE_OUT,
--      each answer's refresh_token is written to BENCH_CAPTURE_OUT.<tid> (a pool of
--      refresh tokens for refresh.lua).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  codes, next_code = thread_share(os.getenv("BENCH_CODES")), 1
  form_post_setup()
  tail = "&redirect_uri=" .. urlencode(os.getenv("BENCH_REDIRECT_URI")) ..
         "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
end

function request()
  local code = codes[next_code] or "exhausted"
  next_code = next_code + 1
  return wrk.format("POST", "/token", headers,
                    "grant_type=authorization_code&code=" .. urlencode(code) .. tail)
end

function response(status, headers, body)
  check_and_capture(status, body)
end
