-- The refresh-token grant: POST /token grant_type=refresh_token with
-- client_secret_basic, each request using the next refresh token of BENCH_TOKENS
-- once (tokens rotate: a used one is spent). The successor in each answer is
-- written to BENCH_CAPTURE_OUT.<tid>, so that the run's output is the next run's
-- pool (a chain). A thread that runs out of tokens sends a bogus one, which fails
-- and is counted. Env: BENCH_TOKENS, BENCH_AUTH, BENCH_CAPTURE_OUT, BENCH_THREADS,
-- and common.lua's.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  tokens, next_token = thread_share(os.getenv("BENCH_TOKENS")), 1
  form_post_setup()
end

function request()
  local t = tokens[next_token] or "exhausted"
  next_token = next_token + 1
  return wrk.format("POST", "/token", headers, "grant_type=refresh_token&refresh_token=" .. urlencode(t))
end

function response(status, headers, body)
  check_and_capture(status, body)
end
