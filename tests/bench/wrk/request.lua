-- One fixed request, repeated: the client-credentials grant, a protected API
-- request, the login form. Env: BENCH_METHOD (GET), BENCH_PATH, BENCH_AUTH
-- (Authorization value), BENCH_COOKIE, BENCH_BODY (form-encoded), and common.lua's.
-- With BENCH_TOKENS (a file, one access token a line) each request carries the
-- next token in turn as "Authorization: Bearer", so that no verified-token cache
-- holding fewer entries than the file can answer. With BENCH_TOKEN_PARAM (e.g.
-- "token", for POST /introspect) the token goes in the form body instead:
-- BENCH_BODY .. "&token=<token>" (BENCH_BODY may be empty), BENCH_AUTH stays.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  local headers = base_headers()
  local auth, cookie, body = os.getenv("BENCH_AUTH"), os.getenv("BENCH_COOKIE"), os.getenv("BENCH_BODY")
  if auth then headers["Authorization"] = auth end
  if cookie then headers["Cookie"] = cookie end
  if body then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  local method, path = os.getenv("BENCH_METHOD") or "GET", os.getenv("BENCH_PATH")
  req = wrk.format(method, path, headers, body)
  local tokens = os.getenv("BENCH_TOKENS")
  if tokens then
    reqs = {}
    local param = os.getenv("BENCH_TOKEN_PARAM")
    if param then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    for line in io.lines(tokens) do
      if line ~= "" then
        if param then
          local b = param .. "=" .. line
          if body and body ~= "" then b = body .. "&" .. b end
          reqs[#reqs + 1] = wrk.format(method, path, headers, b)
        else
          headers["Authorization"] = "Bearer " .. line
          reqs[#reqs + 1] = wrk.format(method, path, headers, body)
        end
      end
    end
    next_req = 1 + tid * 7919 % #reqs
  end
end

function request()
  if not reqs then return req end
  local r = reqs[next_req]
  next_req = next_req % #reqs + 1
  return r
end

function response(status, headers, body) check(status) end
